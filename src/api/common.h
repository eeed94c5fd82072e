/* Small helpers every resource file uses, so each exists once: JSON for times and ids,
 * record ids from paths, query flags, and the authentication gate. */
#ifndef GZ_API_COMMON_H
#define GZ_API_COMMON_H

#include "api/auth.h"
#include "db/db.h"
#include "http/http.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

/* This worker thread's database connection (gz_db_thread: one per thread, opened on
 * first use); NULL with err set (503) if unavailable. r is unused: requests on a thread
 * share its connection, one at a time. */
gz_db *gz_req_db(gz_req *r, gz_err *err);

/* RFC 3339 UTC string for ms since the epoch (a new reference). */
json_t *gz_api_time_json(int64_t ms);
/* The time in column col, or JSON null when the column is NULL. */
json_t *gz_api_time_or_null(gz_stmt *st, int col);
/* Record ids travel as strings (SPEC §7). */
json_t *gz_api_id_json(int64_t id);
/* The id in column col, or null when NULL or 0. */
json_t *gz_api_id_or_null(gz_stmt *st, int col);
/* The text in column col, or null when NULL. */
json_t *gz_api_text_or_null(gz_stmt *st, int col);

/* A record id from a path or query: 1..18 decimal digits, > 0. Returns the id, or 0
 * when s is NULL or malformed (callers answer 404 / 400 as fits). */
int64_t gz_api_parse_id(const char *s);

/* The LIKE pattern "%v%" for query parameter key (v with \ % _ escaped by \, so they match
 * themselves: use it with ESCAPE '\'; ASCII lower-cased: compare with lower(column)), in
 * r's arena. NULL when key is absent; NULL with err set (400 invalid_query, field key) when
 * it is not 1..max_cp code points of UTF-8. */
const char *gz_api_like_query(gz_req *r, const char *key, size_t max_cp, gz_err *err);

/* The address residents reach the service at, followed by path ("/check?code=..."), in
 * r's arena: GONGZHI_PUBLIC_URL (a trailing / dropped), else the scheme and Host this
 * request came to. For links printed or shown as QR codes. */
const char *gz_api_public_url(gz_req *r, const char *path);

/* True when query parameter key is "1" or "true". */
bool gz_api_flag_query(gz_req *r, const char *key);

/* Authenticates the request; on failure answers 401 (or 403 for a missing CSRF header)
 * and returns false. The server's auth hook (installed by the system module): every
 * route not declared public passes it on the headers before its handler runs, so
 * handlers do not call it; r->auth is then the caller (gz_auth_user). */
bool gz_api_authenticated(gz_req *r);

/* Commits the write transaction open on db, whose answer will be (status, answer):
 * "commit and answer" for every write of the API. When r came with an Idempotency-Key
 * (api/idempotency.c), the answer is stored as that key's answer in this same
 * transaction, so once the write has committed a retry with the key gets this answer and
 * never runs the write again; an answer is therefore built, from rows read inside the
 * transaction, before this call, and sent (status, answer) right after it, with nothing
 * in between that could fail. r is the actor's request: NULL for the operator (the
 * command line), which, like a request without a key, gets a
 * plain commit. answer is not stolen. Returns 0, or -1 with err set and the transaction
 * still open (the caller rolls back, as after gz_db_commit()). */
int gz_api_commit(gz_req *r, gz_db *db, int status, const json_t *answer, gz_err *err);

/* Free text answered to anyone without a login (the public board, Open311): a JSON string
 * with phones, ID numbers and flats masked, and name (the reporter's, or NULL) too
 * (domain/public_text.h). */
json_t *gz_api_public_text(const char *text, const char *name);

/* Answers 200 with an uploaded file (a photo, an attachment) of media type type, with
 * the headers Cache-Control: cache and Content-Disposition: disposition (either may be
 * NULL) and X-Content-Type-Options: nosniff: its bytes from the database when
 * inline_len > 0 (rows written before the media store), else the media store's file at
 * address sha256 (core/blobstore.h), sent from disk. A file the database names but the
 * store lacks answers 500 (without those headers) and is logged: it was acknowledged, so
 * its loss is the operator's to see. */
void gz_api_reply_media(gz_req *r, const char *type, const char *sha256, const void *inline_bytes,
                        size_t inline_len, const char *cache, const char *disposition);

/* Fault injection for the API tests: true when the process was started with
 * GONGZHI_TEST_FAULT=point and built with GZ_TEST_HOOKS (the ASan build the tests use;
 * CMake option GZ_TEST_HOOKS). Always false in any other build, whatever the
 * environment says. Points: "reread_after_commit" (every database step after a write's
 * COMMIT fails), "crash_after_commit" (the process dies right after a write's COMMIT,
 * before answering). */
bool gz_api_fault(const char *point);

/* Runs a GET handler that assembles its answer from several queries inside one read
 * snapshot of the request's connection (gz_db_begin_read), so its parts agree: after
 * authenticating (401 without touching the database), begins the snapshot (503 when the
 * database is unavailable), calls handler, and ends the snapshot. The handler must not
 * write; reads that its helpers wrap in their own snapshots join this one. */
void gz_api_read(gz_req *r, void (*handler)(gz_req *r));

/* A create shared by the API and the command line, done by actor a: db NULL means "the
 * request's connection" (a request's actor only); fills *out with the created record, or
 * returns -1 with err set. */
typedef int (*gz_api_create_fn)(gz_db *db, const gz_actor *a, json_t *in, json_t **out,
                                gz_err *err);

/* The whole POST handler for such a create: authenticate, parse the JSON body, call fn
 * with the request's actor, answer 201 with the record or the error. */
void gz_api_create(gz_req *r, gz_api_create_fn fn);

#endif
