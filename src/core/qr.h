/* QR codes (libqrencode, Debian's libqrencode-dev): the one encoder every capability
 * uses — the services module draws it into a certificate's PDF, mobilisation serves the
 * check-in code as an SVG image. Level M, 8-bit mode, the smallest version that fits. */
#ifndef GZ_CORE_QR_H
#define GZ_CORE_QR_H

#include <stddef.h>

/* The modules of text's QR code: *width × *width bytes, row by row from the top left,
 * 1 = dark, 0 = light (malloc'd, the caller frees). NULL when text cannot be encoded
 * (too long, out of memory). */
unsigned char *gz_qr_modules(const char *text, int *width);

/* text's QR code as a standalone SVG document (one path of unit squares, a quiet zone
 * of 4 modules, black on white, scalable: viewBox in modules), malloc'd and
 * NUL-terminated; NULL when text cannot be encoded. */
char *gz_qr_svg(const char *text);

#endif
