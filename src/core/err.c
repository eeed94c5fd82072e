#include "core/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void gz_err_clear(gz_err *e)
{
	e->kind = GZ_OK;
	e->code[0] = '\0';
	e->message[0] = '\0';
	e->nfields = 0;
}

int gz_err_set(gz_err *e, gz_errkind kind, const char *code, const char *fmt, ...)
{
	if (!e)
		return -1;
	e->kind = kind;
	snprintf(e->code, sizeof e->code, "%s", code);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(e->message, sizeof e->message, fmt, ap);
	va_end(ap);
	return -1;
}

void gz_err_field(gz_err *e, const char *field, const char *fmt, ...)
{
	if (!e || e->nfields >= GZ_ERR_MAX_FIELDS)
		return;
	gz_err_field_t *f = &e->fields[e->nfields++];
	snprintf(f->name, sizeof f->name, "%s", field);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(f->why, sizeof f->why, fmt, ap);
	va_end(ap);
}

int gz_err_status(gz_errkind kind)
{
	switch (kind) {
	case GZ_OK:
		return 200;
	case GZ_EBADREQ:
		return 400;
	case GZ_EUNAUTH:
		return 401;
	case GZ_EFORBIDDEN:
		return 403;
	case GZ_ENOTFOUND:
		return 404;
	case GZ_EMETHOD:
		return 405;
	case GZ_ECONFLICT:
		return 409;
	case GZ_ETOOLARGE:
		return 413;
	case GZ_EURITOOLONG:
		return 414;
	case GZ_EMEDIATYPE:
		return 415;
	case GZ_EINVALID:
		return 422;
	case GZ_ETOOMANY:
		return 429;
	case GZ_EHEADERS:
		return 431;
	case GZ_EUNAVAILABLE:
		return 503;
	case GZ_ETIMEOUT:
		return 408;
	case GZ_EVERSION:
		return 505;
	case GZ_EINTERNAL:
	default:
		return 500;
	}
}
