/* The one error type. Functions that can fail return 0 / a pointer on success and
 * -1 / NULL on failure, filling a caller-owned gz_err. The HTTP layer maps an error to
 * a status and the JSON shape {"error":{"code","message","fields"}} in exactly one place
 * (gz_reply_err in http/server.c). */
#ifndef GZ_CORE_ERR_H
#define GZ_CORE_ERR_H

typedef enum {
	GZ_OK = 0,
	GZ_EBADREQ,      /* 400 malformed request (bad JSON, bad UTF-8, bad query) */
	GZ_EUNAUTH,      /* 401 not authenticated */
	GZ_EFORBIDDEN,   /* 403 authenticated but not allowed */
	GZ_ENOTFOUND,    /* 404 */
	GZ_EMETHOD,      /* 405 */
	GZ_ECONFLICT,    /* 409 */
	GZ_ETOOLARGE,    /* 413 */
	GZ_EURITOOLONG,  /* 414 */
	GZ_EMEDIATYPE,   /* 415 */
	GZ_EINVALID,     /* 422 well-formed but invalid fields */
	GZ_ETOOMANY,     /* 429 */
	GZ_EHEADERS,     /* 431 */
	GZ_EINTERNAL,    /* 500 */
	GZ_EUNAVAILABLE, /* 503 */
	GZ_ETIMEOUT,     /* 408 the request did not arrive within the request timeout */
	GZ_EVERSION,     /* 505 HTTP version not supported */
} gz_errkind;

#define GZ_ERR_MAX_FIELDS 32

typedef struct {
	char name[64];
	char why[192];
} gz_err_field_t;

typedef struct gz_err {
	gz_errkind kind;
	char code[48];     /* snake_case machine code, e.g. "invalid_json" */
	char message[256]; /* human text, Chinese or English */
	int nfields;
	gz_err_field_t fields[GZ_ERR_MAX_FIELDS];
} gz_err;

/* Reset to "no error". */
void gz_err_clear(gz_err *e);

/* Set kind, code and a printf-style message. Always returns -1 so callers can
 * write `return gz_err_set(...)`. e may be NULL. */
int gz_err_set(gz_err *e, gz_errkind kind, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Add a per-field reason (kept in order; extra fields beyond the limit are dropped).
 * Does not change kind/code. */
void gz_err_field(gz_err *e, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* HTTP status for an error kind. */
int gz_err_status(gz_errkind kind);

#endif
