/* What the pieces of the people module share (module-internal: included only by the
 * files of src/modules/people/). people_common.c holds the helpers people.h offers the
 * other modules; resident_view.c a resident's answer and the reveal bookkeeping;
 * resident_list.c the residents list and export; residents.c one resident's handlers and
 * resident_write.c the rules and the write behind them; households.c, tags.c and
 * import_http.c their resources. Units are in units.c, the import engine in
 * people_import.c.
 *
 * Every handler authenticates first (401), then validates, then asks gz_auth_check()
 * about the record's grid (out of scope = 404, as if it did not exist). */
#ifndef GZ_MODULES_PEOPLE_INTERNAL_H
#define GZ_MODULES_PEOPLE_INTERNAL_H

#include "api/auth.h"
#include "api/common.h"
#include "db/db.h"
#include "domain/policy.h"
#include "domain/space_code.h"
#include "http/http.h"
#include "modules/people/people.h"
#include "modules/people/person.h"
#include "modules/people/resident.h"
#include "modules/people/records.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#define RES_COLS                                                                                   \
	"r.id, r.household_id, r.grid_code, r.name, r.gender, r.relation, r.birth_date_enc, "      \
	"r.phone_enc, r.id_number_enc, r.sensitive_tags_enc, r.tags, r.user_id, r.created_at, "    \
	"r.updated_at, r.status, r.status_date, r.status_reason"

enum {
	C_ID,
	C_HOUSEHOLD,
	C_GRID,
	C_NAME,
	C_GENDER,
	C_RELATION,
	C_BIRTH,
	C_PHONE,
	C_IDNUM,
	C_SENS,
	C_TAGS,
	C_USER,
	C_CREATED,
	C_UPDATED,
	C_STATUS,
	C_STATUS_DATE,
	C_STATUS_REASON
};

/* What a response may show in full, and what it did show (for the audit). */
typedef struct {
	unsigned want; /* ?reveal= fields */
	const char *scopes[GZ_AUTH_MAX_GRANTS];
	int nscopes;  /* where the caller holds ACT_REVEAL */
	bool self;    /* the caller's own record: full name; want shown without a reveal right */
	bool history; /* the answer is a resident's history (said in the audit row) */
	/* Values compared with the register by the request (exact lookups), charged to the
	 * account (gz_ratelimit_pii) in the audit's transaction, before anything is sent. */
	int64_t charge;
	json_t *ids;                                   /* residents shown in full */
	char lo[SPACE_CODE_SIZE], hi[SPACE_CODE_SIZE]; /* their grids' span */
} reveal_ctx;

/* The state of a resident being created or changed: plaintext, sealed when written. */
typedef struct {
	int64_t id, household, user_id;
	uint8_t old_phone_hash[GZ_CRYPTO_LOOKUP_BYTES], old_id_hash[GZ_CRYPTO_LOOKUP_BYTES];
	bool had_phone, had_id; /* the stored row's keys, to replace */
	char grid[SPACE_CODE_SIZE];
	char name[4 * RESIDENT_NAME_MAX + 1];
	const char *gender;   /* "男", "女", "" */
	const char *relation; /* label or "" */
	char phone[PERSON_PHONE_MAX];
	char idn[19];
	person_date birth;
	bool has_birth;
	char tags[RESIDENT_TAGS_MAX][40];
	bool sens[RESIDENT_TAGS_MAX];
	int ntags;
	record_status status; /* tag rows exist only while active */
	char status_date[RESIDENT_DATE_SIZE];
	char status_reason[4 * RECORD_REASON_MAX + 1];
	/* Set by people_write_state() on 409 duplicate_id_number: who holds the number. */
	int64_t dup_id;
	char dup_grid[SPACE_CODE_SIZE];
} res_state;

enum {
	F_NAME = 1 << 0,
	F_GENDER = 1 << 1,
	F_BIRTH = 1 << 2,
	F_PHONE = 1 << 3,
	F_ID = 1 << 4,
	F_HOUSEHOLD = 1 << 5,
	F_GRID = 1 << 6,
	F_RELATION = 1 << 7,
	F_TAGS = 1 << 8,
	F_USER = 1 << 9,
};

/* Widens [lo, hi] (SPACE_CODE_SIZE each, "" = empty) to hold the grid code. */
void people_span_grid(char *lo, char *hi, const char *code);

/* Birth date from a sealed date or the ID number's digits 7..14. */
bool people_birth_of(const char *idn, const char *sealed_date, person_date *out);

/* One resident as r may see it (masked unless rc says otherwise), from the columns
 * RES_COLS of st. Reads the row's sealed columns at once (their memory is valid only
 * until the next step). */
json_t *people_resident_json(gz_req *r, gz_stmt *st, reveal_ctx *rc);

/* ?reveal=: parses it into rc (400 on an unknown field). Returns 0 or -1 with err. */
int people_reveal_parse(gz_req *r, reveal_ctx *rc, gz_err *err);

/* ?reveal=: parses it into rc and checks the caller holds ACT_REVEAL somewhere (403
 * otherwise). Returns 0 or -1 with err. */
int people_reveal_setup(gz_req *r, reveal_ctx *rc, gz_err *err);

/* Writes the reveal audit row when something was shown in full (and the lookup row, if
 * any) in one short transaction. Returns 0, or -1 with err: the data must not be sent. */
int people_reveal_audit(gz_req *r, gz_db *db, reveal_ctx *rc, const char *record_id, json_t *lookup,
                        const char *lookup_scope, gz_err *err);

/* Keeps in rc only the residents of items that were shown in full (a list reads more
 * rows than it answers; the audit names exactly the rows sent). */
void people_reveal_keep_answered(reveal_ctx *rc, json_t *items);

/* Answers with residents' personal data (masked or not), never stored by a browser or
 * a proxy. */
void people_reply(gz_req *r, int status, json_t *body);

/* The tag named by a filter or a request (code or label): built-in, else configured.
 * Returns 1 with code/sensitive set, 0 unknown, -1 db error. */
int people_tag_find(gz_db *db, const char *s, char code[40], bool *sensitive, gz_err *err);

/* Steps st (prepared with one id parameter bound) to its row. Returns 1 with the row
 * current, 0 none (st finished), -1 error (st finished). */
int people_step_one(gz_stmt *st, gz_err *err);

/* The F_* bits of f as a JSON array of field names. */
json_t *people_fields_json(unsigned f);

/* Loads the stored state of the current row of st (RES_COLS; decrypting). */
void people_state_from_row(gz_stmt *st, res_state *s);

/* Applies the request body to s, recording which fields changed in *changed and every
 * bad field in err. self: the resident's own correction (phone; gender and birth date
 * only without an ID number); other fields are refused. Returns 0, or -1. */
int people_apply_input(const gz_actor *a, gz_db *db, json_t *in, res_state *s, bool create,
                       bool self, unsigned *changed, gz_err *err);

/* Checks what needs the database and the caller's rights on the final place:
 * the grid exists (and a may write there), the linked account is a resident of it. */
int people_check_place(const gz_actor *a, gz_db *db, const res_state *s, unsigned changed,
                       gz_err *err);

/* Seals and writes s (INSERT when s->id is 0, else UPDATE), then its tags. In the
 * caller's transaction. Returns 0, or -1 with err (409 duplicate_id_number /
 * account_linked for the unique keys). */
int people_write_state(gz_db *db, res_state *s, gz_err *err);

/* ---- Places by name (place.c) ---- */

/* A request's cache of place names (grids and households); init before use, free after. */
typedef struct {
	json_t *grids, *households;
} people_names;
void people_names_init(people_names *p);
void people_names_free(people_names *p);

/* Where a resident of grid (and household, 0 = none) lives: {"street", "community",
 * "grid": {code, name}, "building": {id, name, address} | null, "unit": {id, number,
 * label} | null, "address" (the household's own line), "full" (街道 社区 网格 楼栋
 * 单元室)}. New reference, or NULL with err. */
json_t *people_place_json(people_names *p, gz_db *db, const char *grid, int64_t household,
                          gz_err *err);

/* Adds "place" (people_place_json) and "address" (its full line) to one resident.
 * Returns 0 or -1 with err. */
int people_add_place(gz_db *db, json_t *resident, gz_err *err);

/* Adds "address" (the full line) to every resident of items. Returns 0 or -1 with err. */
int people_fill_addresses(people_names *p, gz_db *db, json_t *items, gz_err *err);

/* ---- Counts (people_common.c) ---- */

/* Adds delta residents of status st in grid: resident_counts (per grid) and
 * record_counts (the whole database), in the caller's transaction. */
int people_count(gz_db *db, const char *grid, record_status st, int64_t delta, gz_err *err);

/* ---- History (history.c) ---- */

/* Writes what changed from before to after (before NULL: a creation, every field set)
 * as rows of one change `action` ("create", "update", "self_update", "move",
 * "move_out", "move_in", "deceased") by actor a at time at, in the caller's
 * transaction. Personal data (phone, ID number, birth date, sensitive tags) is sealed.
 * Returns the number of fields written, or -1 with err. */
int people_history_write(gz_db *db, const gz_actor *a, int64_t at, const char *action,
                         const res_state *before, const res_state *after, gz_err *err);

/* One more row of a change: a fact of it that is no field of the record (the date and
 * reason of a move), in clear. */
int people_history_note(gz_db *db, const gz_actor *a, int64_t id, int64_t at, const char *action,
                        const char *field, const char *value, gz_err *err);

/* ---- Creating and changing one resident (resident_change.c) ---- */

/* A new resident from in (people_apply_input), checked against the database and the
 * actor's rights on its grid, not yet written. Returns 0, or -1 with err. */
int people_prepare_create(const gz_actor *a, gz_db *db, json_t *in, res_state *s, unsigned *changed,
                          gz_err *err);

/* Writes the prepared s in the caller's transaction: the row, its counts, its history
 * ("create") and the audit row resident.create (audit_extra merged into its detail).
 * Returns 0, or -1 with err (409 duplicate_id_number with s->dup_id set). */
int people_insert(const gz_actor *a, gz_db *db, res_state *s, unsigned changed, int64_t at,
                  json_t *audit_extra, gz_err *err);

/* One change of resident id (self: the actor's own record, PATCH /me/resident) in a
 * transaction of its own, committed with gz_api_commit (the actor's request, if any):
 * kind EDIT applies in as PATCH does; MOVE {household_id | unit_id | grid_code
 * [, address]} [relation, date, reason] within the street; MOVE_OUT {date, reason};
 * DECEASED {date}; MOVE_IN [the place as for MOVE, anywhere the actor writes] [date,
 * reason]. at: the time recorded (0 = now). On success *out is the resident as the
 * actor sees it (masked). s is the state (the holder of a duplicate ID number on 409).
 * Returns 0, or -1 with err (nothing written). */
int people_change(gz_db *db, const gz_actor *a, int64_t id, bool self, gz_people_change kind,
                  json_t *in, int64_t at, res_state *s, json_t **out, gz_err *err);

/* The resident id as r sees it, masked (self: the caller's own record, full name; r
 * NULL: the command line). New reference, or NULL with err. */
json_t *people_resident_reload(gz_req *r, gz_db *db, int64_t id, bool self, gz_err *err);

/* A new household (unit 0 = none) in the caller's transaction, counted. Returns 0 with
 * *id, or -1 with err. */
int people_household_insert(gz_db *db, int64_t unit, const char *grid, const char *address,
                            int64_t at, int64_t *id, gz_err *err);

/* After a write refused with 409 duplicate_id_number (other errors: nothing done, NULL):
 * audits the comparison (resident.duplicate_id_number, in a short transaction of its
 * own) and rewrites err: the record holding the number is named (returned as
 * {"existing": resident}, new reference) only when r's user reads it; otherwise the
 * answer says only "已在其他地方登记，请联系街道办理迁入". field is the field to mark. */
json_t *people_duplicate_answer(gz_req *r, gz_db *db, const char *grid, const res_state *s,
                                const char *field, gz_err *err);

#endif
