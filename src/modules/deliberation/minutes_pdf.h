/* A meeting's minutes as a small PDF (libharu; the standard Chinese font SimSun, named
 * and not embedded, so a page is a few KB): the demo's signed minutes of its meetings.
 * Knows neither HTTP nor the database. */
#ifndef GZ_MODULES_DELIBERATION_MINUTES_PDF_H
#define GZ_MODULES_DELIBERATION_MINUTES_PDF_H

#include "core/err.h"

#include <stddef.h>

typedef struct {
	const char *topic; /* the topic's title */
	const char *held;  /* when, as people read it: 2026年3月5日 19:30 */
	const char *place; /* where */
	const char *participants; /* who, one line: 刘建华（社区党委）、陈丽（居委会）… */
	const char *minutes; /* the minutes' text */
} delib_minutes;

/* The PDF of m into *out (malloc'd, *len bytes). All text UTF-8. 0, or -1 with err. */
int delib_minutes_pdf(const delib_minutes *m, unsigned char **out, size_t *len, gz_err *err);

#endif
