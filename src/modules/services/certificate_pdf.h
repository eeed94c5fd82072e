/* A certificate rendered as a PDF (certificate_pdf.c): libharu with a CJK TrueType font,
 * the check URL as a QR code. No HTTP, no database. */
#ifndef GZ_MODULES_SERVICES_CERTIFICATE_PDF_H
#define GZ_MODULES_SERVICES_CERTIFICATE_PDF_H

#include "core/err.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct {
	const char *kind;        /* 居住证明 */
	const char *number;      /* 110101001001-2025-000001 */
	const char *holder;      /* the holder's name, masked */
	const char *body;        /* the certified text */
	const char *community;   /* the issuing community's name */
	const char *issued_on;   /* 2025年10月10日 */
	const char *verify_code; /* XXXX-XXXX-XXXX-XXXX */
	const char *check_url;   /* where the code is checked (also the QR code) */
	bool revoked;
	const char *revoked_on; /* when revoked */
} svc_pdf_certificate;

/* The font file used: GONGZHI_CJK_FONT, else the first of the Debian CJK fonts present;
 * NULL when there is none. */
const char *svc_pdf_font(void);

/* Renders c as an A4 PDF into *out (malloc'd; the caller frees) of *len bytes. Returns 0,
 * or -1 with err set: 503 font_unavailable, 500 pdf_failed. */
int svc_certificate_pdf(const svc_pdf_certificate *c, unsigned char **out, size_t *len,
                        gz_err *err);

#endif
