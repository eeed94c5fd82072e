/* Property and people (units, owners, households, residents): what the HTTP handlers
 * (residents.c and the files beside it, units.c), the import (people_import.c) and the
 * command line (cli.c) share. docs/SECURITY.md "Personal data" has the rules; openapi.json
 * the shapes.
 *
 * Writes take the actor who does them (api/auth.h, gz_actor): a request's user, whose
 * grants decide what it may do, or the command line's operator (gz_actor_operator), who
 * may do anything and is audited as "cli". Handler helpers take the request. */
#ifndef GZ_MODULES_PEOPLE_H
#define GZ_MODULES_PEOPLE_H

#include "domain/policy.h"
#include "core/crypto.h"
#include "modules/people/resident.h"
#include "api/common.h"
#include "http/http.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

/* Largest import file over HTTP (the route's body limit). The command line reads files
 * up to GZ_PEOPLE_IMPORT_MAX_FILE. */
#define GZ_PEOPLE_IMPORT_MAX_BYTES ((size_t)64 << 20)
#define GZ_PEOPLE_IMPORT_MAX_FILE  ((size_t)2 << 30)
/* Most problems listed in an import's JSON answer (error_count is always exact) and
 * kept in its downloadable report. */
#define GZ_PEOPLE_IMPORT_MAX_ERRORS_JSON   1000
#define GZ_PEOPLE_IMPORT_MAX_ERRORS_REPORT 100000

typedef enum { GZ_PEOPLE_RESIDENTS = 0, GZ_PEOPLE_UNITS = 1 } gz_people_kind;

/* Imports residents or units from a CSV or .xlsx file in buf[0..len) (the format is
 * told by the content: a zip is .xlsx, anything else CSV). Columns are found by their
 * Chinese header names (docs/SECURITY.md, "Import"); every row is checked and every
 * problem reported (row as Excel/WPS shows it, column header, reason in Chinese);
 * duplicates within the file and against the database are problems. Only when there
 * is none is anything written, in ONE transaction with one audit row
 * ("resident.import" / "unit.import") and one update of record_counts per table. With
 * dry_run nothing is written.
 *
 * Returns 0 with *report (new reference): {"ok", "dry_run", "kind", "rows", "created",
 * "households_created" / "owners_created", "errors": [{"row", "column", "reason"}],
 * "error_count", "errors_truncated"}; "ok" is false when the file has problems (then
 * nothing was written). Returns -1 with err set when the import could not be judged or
 * written: 403 (the actor may not write residents anywhere), 429 (too many values compared),
 * 503/500 from the database, 500 crypto_unavailable without a key. */
int gz_people_import(gz_db *db, const gz_actor *a, gz_people_kind kind, const char *buf, size_t len,
                     bool dry_run, json_t **report, gz_err *err);

/* The resident whose ID number has the keyed hash h (its first GZ_PEOPLE_KEY_BYTES
 * bytes are the key), when actor a may read that resident (the operator: any);
 * otherwise *out = 0 exactly as if nobody held it. Owners are linked to residents this
 * way only, so a link never says that someone out of the caller's scope is registered.
 * Returns 0, or -1 with err on a database error. */
int gz_people_resident_by_id_key(const gz_actor *a, gz_db *db, const uint8_t *h, int64_t *out,
                                 gz_err *err);

/* Writes the problems of a report as an .xlsx (columns 行, 列, 原因) into *out (malloc'd,
 * caller frees) — or to path when path is not NULL. Returns 0, or -1 with err set. */
int gz_people_report_xlsx(const json_t *report, const char *path, unsigned char **out,
                          size_t *out_len, gz_err *err);

/* ---- Masking, shared by every response that shows a resident or an owner ---- */

/* The one rule for a person's name, whatever resource shows it (a resident, a unit's
 * owner, an organisation's member or contact, a Party member, the 交叉任职 figures):
 * may actor a see the full name of a person shown at place (a resident's or owner's grid;
 * otherwise the place of the record that shows the person — an organisation's
 * space_code, a Party member's places)? Only with a grant whose scope contains place
 * and whose role reads residents there (the roles that keep the register and may
 * reveal it); everyone else — residents, 物业, Party members, volunteers, unit
 * contacts, departments — sees the surname and stars (person_mask_name). The operator
 * (the command line): true. NULL place: false. */
bool gz_people_name_visible(const gz_actor *a, const char *place);

/* The one exception to that rule (docs/SECURITY.md, "Staff serving a resident"): does a
 * person posted at place — a grid worker, community staff, the secretary of the Party
 * branch or committee there — serve actor a as a resident? True when a holds a resident
 * grant whose scope lies inside place (a's home is there). Such a person is shown to a by
 * name and work phone, as the posted 网格员公示 boards show them. Which posts count is
 * decided by the module that keeps them (accounts: gz_accounts_serving; organisations:
 * org_serving_position). The operator, a NULL actor or place: false. */
bool gz_people_serves(const gz_actor *a, const char *place);

/* The name as shown: the name itself when visible, else masked into arena A. */
const char *gz_people_name_shown(gz_arena *A, bool visible, const char *name);

/* The name as r's user sees it (gz_people_name_visible with r's actor; masked into r's
 * arena); masked when r is not authenticated. */
const char *gz_people_name_for(gz_req *r, const char *place, const char *name);

/* Opens a sealed value into out (cap bytes, NUL-terminated). Returns the plaintext
 * length, or -1 if it is missing, damaged or sealed under another key (out = ""). */
int gz_people_open(const void *sealed, size_t n, char *out, size_t cap);

/* ---- Lists (api/list.h runs them, in (grid_code, id) order) ---- */

/* The filter prefix of a list: ?grid=, ?community= or ?street= (the narrowest given; a
 * code that is none of these is 400 bad_query). *out NULL when none; "x" (matching
 * nothing) when they disagree. Returns 0 or -1 with err. */
int gz_people_place_filter(gz_req *r, const char **out, gz_err *err);

json_t *gz_people_area_json(int64_t dm2);

/* Writes actor a's audit row in one short transaction of its own (a read that reveals or
 * exports personal data commits its audit row before the data is sent). Returns 0, or
 * -1 with err set (then nothing may be sent). */
int gz_people_audit(const gz_actor *a, gz_db *db, const char *action, const char *record_type,
                    const char *record_id, const char *scope, json_t *detail, gz_err *err);

/* Exports rows to an .xlsx answer: header[0..ncols), rows from next_row; the file is
 * built on disk (a temporary file, unlinked) and sent from there, with
 * Content-Disposition naming filename. audit_action/audit_detail are written first (see
 * gz_people_audit), with "rows" added to the detail. Answers the request either way. */
void gz_people_reply_xlsx(gz_req *r, gz_db *db, const char *filename, const char *const *header,
                          size_t ncols, int (*next_row)(void *ctx, const char **cells, gz_err *err),
                          void *ctx, size_t *rows_out, const char *audit_action,
                          const char *audit_scope, json_t *audit_detail);

/* Residents of the given statuses (a bit set of 1 << record_status, records.h) in
 * scopes[0..nscopes) (disjoint, as gz_auth_scopes() gives them) narrowed to the code
 * prefix filter (NULL: none): a sum over the grids of resident_counts, which the
 * people module keeps exact in the transaction of every change, so it costs one small
 * index range per scope and status whatever the scope's size. Returns 0 with *out, or
 * -1 with err. */
int gz_people_resident_total(gz_db *db, const char *const *scopes, int nscopes, const char *filter,
                             unsigned status_mask, int64_t *out, gz_err *err);

/* Changes to one resident made by hand (docs/SECURITY.md "Personal data"). */
typedef enum {
	GZ_PEOPLE_EDIT = 0,     /* the fields of PATCH /residents/{id} */
	GZ_PEOPLE_MOVE = 1,     /* to another household, unit or grid of the same street */
	GZ_PEOPLE_MOVE_OUT = 2, /* 迁出: {date, reason} */
	GZ_PEOPLE_MOVE_IN = 3,  /* back into the register, optionally at a new place */
	GZ_PEOPLE_DECEASED = 4, /* {date} */
} gz_people_change;

/* Changes resident id as actor a, in one transaction of its own: the record, the counts
 * (per grid and status, exact), the history (who, when, field, old -> new) and one audit
 * row (resident.update, .move, .move_out, .move_in, .deceased). in is the request body of
 * the matching route (openapi.json); at is the time recorded (0: now). *out (may be NULL)
 * is the resident as a sees it. The same function answers the API and the demo.
 * Returns 0, or -1 with err and nothing written. */
int gz_people_resident_change(gz_db *db, const gz_actor *a, int64_t id, gz_people_change kind,
                              json_t *in, int64_t at, json_t **out, gz_err *err);

/* Bytes of a keyed hash kept in the lookup tables resident_id_keys / resident_phone_keys
 * (the first 16 of gz_crypto_lookup's 32: 128 bits). */
#define GZ_PEOPLE_KEY_BYTES 16

/* The resident_tags key of a tag: its code when ordinary; for a sensitive tag the blind
 * index "h:" + hex(keyed BLAKE2b of "tag:" + code) (66 characters). cap >= 67. */
#define GZ_PEOPLE_TAG_KEY_SIZE (3 + 2 * GZ_CRYPTO_LOOKUP_BYTES)
void gz_people_tag_key(const char *code, bool sensitive, char *out, size_t cap);

/* Answers an import request (POST /residents/import, /units/import): the body is the
 * file (Content-Type text/csv or the .xlsx type; 415 otherwise), ?dry_run=1 only
 * checks. 201/200 with the report when it is clean; 422 import_invalid with the report
 * next to the error, a stored copy and its download path (report_url) otherwise. */
void gz_people_import_reply(gz_req *r, gz_people_kind kind);

/* The command line: `gongzhi import residents|units` (argv starts at "import"). */
extern const char gz_people_import_usage[];
int gz_cli_import_residents(int argc, char **argv);
int gz_cli_import_units(int argc, char **argv);

/* Registers the namers of residents, households, units and resident tags (api/names.h;
 * people_names.c): the module's init hook. */
void gz_people_names_init(void);

/* Its rows of the policy table (assigned when the module registers). */
extern policy_resource RES_RESIDENT; /* units and their owners, households, residents */

/* ---- A resident in brief, for other modules (added with issue 14, services) ---- */

/* What another capability needs of a resident: who, where, which household, which account.
 * name is the stored name in full: show it through gz_people_name_shown. */
typedef struct gz_people_brief {
	int64_t id;
	int64_t household_id; /* 0: none */
	int64_t user_id;      /* the linked account (residents.user_id), 0: none */
	char grid_code[16];
	char name[257];
} gz_people_brief;

/* The live (not deleted) resident id, or the one linked to account user_id
 * (gz_people_brief_of_user). Returns 1 and fills *out, 0 when there is none, -1 with err
 * set on a database error. No authorisation: the caller decides what it may see. */
int gz_people_brief_get(gz_db *db, int64_t id, gz_people_brief *out, gz_err *err);
int gz_people_brief_of_user(gz_db *db, int64_t user_id, gz_people_brief *out, gz_err *err);
/* The live resident with the smallest id above after whose grid lies inside scope (a
 * space code prefix): for walking the residents of a place (the demo's applicants). */
int gz_people_brief_next(gz_db *db, const char *scope, int64_t after, gz_people_brief *out,
                         gz_err *err);

/* ---- Adults of a place, for residents' meetings (issue 12, deliberation) ---- */

typedef struct {
	int64_t id;
	int64_t household_id; /* 0: none */
} gz_people_adult;

/* The live residents in the register (status active, not deleted) whose grid lies
 * inside scope and who are 18 or older (周岁) on the day of at_ms, in id order: their
 * birth date is read from the ID number, or the sealed birth date when there is none.
 * Residents whose birth date is unknown (or cannot be opened without the key) are left
 * out and counted in *unknown. *out is malloc'd (the caller frees), *n its length.
 * Returns 0, or -1 with err. No authorisation: the caller decides. */
int gz_people_adults(gz_db *db, const char *scope, int64_t at_ms, gz_people_adult **out, size_t *n,
                     int64_t *unknown, gz_err *err);

#endif
