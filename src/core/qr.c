/* QR codes by libqrencode (qr.h). */
#include "core/qr.h"
#include "core/mem.h"

#include <qrencode.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

unsigned char *gz_qr_modules(const char *text, int *width)
{
	*width = 0;
	if (!text)
		return NULL;
	QRcode *q = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
	if (!q)
		return NULL;
	size_t n = (size_t)q->width * (size_t)q->width;
	unsigned char *m = gz_malloc(n);
	for (size_t i = 0; i < n; i++)
		m[i] = q->data[i] & 1;
	*width = q->width;
	QRcode_free(q);
	return m;
}

char *gz_qr_svg(const char *text)
{
	int w;
	unsigned char *m = gz_qr_modules(text, &w);
	if (!m)
		return NULL;
	enum { QUIET = 4 };
	/* Each dark module "Mx yh1v1h-1z": at most 24 bytes; plus the frame. */
	size_t cap = (size_t)w * (size_t)w * 24 + 512, len = 0;
	char *s = gz_malloc(cap);
	int side = w + 2 * QUIET;
	len += (size_t)snprintf(s + len, cap - len,
	                        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" "
	                        "shape-rendering=\"crispEdges\"><rect width=\"%d\" height=\"%d\" "
	                        "fill=\"#fff\"/><path fill=\"#000\" d=\"",
	                        side, side, side, side);
	for (int r = 0; r < w; r++)
		for (int c = 0; c < w; c++)
			if (m[r * w + c])
				len += (size_t)snprintf(s + len, cap - len, "M%d %dh1v1h-1z",
				                        c + QUIET, r + QUIET);
	snprintf(s + len, cap - len, "\"/></svg>");
	free(m);
	return s;
}
