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

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#define RES_COLS                                                                                   \
	"r.id, r.household_id, r.grid_code, r.name, r.gender, r.relation, r.birth_date_enc, "      \
	"r.phone_enc, r.id_number_enc, r.sensitive_tags_enc, r.tags, r.user_id, r.created_at, "    \
	"r.updated_at"

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
	C_UPDATED
};

/* What a response may show in full, and what it did show (for the audit). */
typedef struct {
	unsigned want; /* ?reveal= fields */
	const char *scopes[GZ_AUTH_MAX_GRANTS];
	int nscopes; /* where the caller holds ACT_REVEAL */
	bool self;   /* the caller's own record: full name; want shown without a reveal right */
	json_t *ids; /* residents shown in full */
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
int people_apply_input(gz_req *r, gz_db *db, json_t *in, res_state *s, bool create, bool self,
                       unsigned *changed, gz_err *err);

/* Checks what needs the database and the caller's rights on the final place:
 * the grid exists (and r may write there), the linked account is a resident of it. */
int people_check_place(gz_req *r, gz_db *db, const res_state *s, unsigned changed, gz_err *err);

/* Seals and writes s (INSERT when s->id is 0, else UPDATE), then its tags. In the
 * caller's transaction. Returns 0, or -1 with err (409 duplicate_id_number /
 * account_linked for the unique keys). */
int people_write_state(gz_db *db, res_state *s, gz_err *err);

#endif
