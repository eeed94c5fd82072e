/* What the pieces of the organisation module share (module-internal: included only by
 * the files of src/modules/org/). org.c holds the organisations' handlers, org_write.c
 * the shared writes of organisations and members (org.h), agreements.c the co-building
 * agreements, party.c the Party members, network.c and figures.c the network and its
 * figures, org_common.c the field parsers and organisation references below. */
#ifndef GZ_MODULES_ORG_INTERNAL_H
#define GZ_MODULES_ORG_INTERNAL_H

#include "api/auth.h"
#include "api/fields.h"
#include "core/arena.h"
#include "db/db.h"
#include "domain/policy.h"
#include "http/http.h"
#include "domain/space_code.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ORG_NAME_MAX       64
#define ORG_POSITION_MAX   32
#define ORG_TITLE_MAX      100
#define ORG_ITEM_MAX       64
#define ORG_UNIT_MAX       16
#define ORG_COMMIT_MAX     100        /* commitment lines per agreement */
#define ORG_QUANTITY_MAX   1000000000 /* per line */
#define ORG_DETAIL_MEMBERS 500        /* members listed in an organisation's detail */
#define ORG_TREE_MAX       2000       /* organisations in one tree answer */
#define NET_DEFAULT        300        /* organisations in one network answer */
#define NET_MAX            1000
#define NET_MEMBERS_MAX    50000
#define NET_ROWS_MAX       10000
#define NET_EXTERNAL_MAX   200
#define FIG_GRIDS_MAX      5000
#define FIG_ROWS_MAX       20000
#define PHONE_MASK_SIZE    72

#define ORG_COLS                                                                                   \
	"o.id, o.type, o.name, o.space_code, o.building_id, o.parent_id, o.credit_code, "          \
	"o.created_at, o.updated_at"

#define MEMBER_COLS                                                                                \
	"m.id, m.org_id, m.resident_id, m.name, m.phone_enc, m.position, m.is_contact, m.since, "  \
	"m.created_at, m.scope_code, m.person_key"

typedef struct {
	int64_t id;
	int type;
	const char *name; /* in the arena given to org_load; NULL without one */
	char space[SPACE_CODE_SIZE];
	int64_t parent_id;
} org_ref;

/* May the actor do act on the space node code (the operator may: gz_actor_check)? */
bool org_can(const gz_actor *actor, policy_action act, const char *code);

/* The sealed phone in column col, opened and masked into out (PHONE_MASK_SIZE bytes).
 * Returns false when there is none or it cannot be opened here (no key installed, or
 * sealed under another key). */
bool org_masked_phone(gz_stmt *st, int col, char out[PHONE_MASK_SIZE]);

/* The phone of column col as answered: masked, or null (see org_masked_phone). */
json_t *org_phone_json(gz_stmt *st, int col);

/* n bytes as lower-case hex into out (2n + 1 bytes). */
void org_hex(const uint8_t *p, size_t n, char *out);

/* Loads organisation id. Returns 1 found, 0 not, -1 with err. */
int org_load(gz_arena *A, gz_db *db, int64_t id, org_ref *o, gz_err *err);

/* May a record placed at `at` reference o? When the caller may read o, or o serves
 * `at` or a place containing it. */
bool org_referable(const gz_actor *actor, const org_ref *o, const char *at);

/* Loads id and checks it is referable from `at`; a missing or unreferable organisation
 * adds the field error 组织不存在 (the same words, so nothing is learned). Returns 1 ok,
 * 0 field error added, -1 database error. */
int org_ref_field(const gz_actor *actor, gz_db *db, int64_t id, const char *at, const char *field,
                  org_ref *o, gz_err *err);

/* The ?node= of the tree, network and figures: a street, community or grid code the
 * caller may read and that exists. Answers and returns NULL on failure. */
const char *org_node_param(gz_req *r, gz_db **db);

/* Columns ORG_COLS from col c on. */
json_t *org_json(gz_stmt *st, int c);

/* The people serving an actor as a resident (docs/SECURITY.md, "Staff serving a
 * resident"): the person keys of the members holding a serving post
 * (org_serving_position) in an organisation whose place contains one of the actor's
 * homes (the scopes of its resident grants). Empty for an actor without a resident
 * grant. Read once per answer: a few posts per home. */
typedef struct {
	const char **keys; /* in the arena */
	size_t n;
} org_serving;

/* Loads s for actor (strings in A). Returns 0, or -1 with err. */
int org_serving_load(const gz_actor *actor, gz_db *db, gz_arena *A, org_serving *s, gz_err *err);

/* Does person_key ('r:12', 'p:…', 'n:…') serve the actor s was loaded for? */
bool org_serving_has(const org_serving *s, const char *person_key);

/* The sealed phone in column col, opened in full into A; NULL when there is none or it
 * cannot be opened. Only for people serving the caller (org_serving). */
const char *org_phone_full(gz_stmt *st, int col, gz_arena *A);

/* A member (MEMBER_COLS) as the actor may see them: the name by the one rule for persons
 * (gz_people_name_visible at the organisation's place; masked into A), the phone masked —
 * except for a person serving the actor (serving, may be NULL), shown by name and phone
 * as the posted boards show them. */
json_t *org_member_json(const gz_actor *actor, gz_arena *A, gz_stmt *st,
                        const org_serving *serving);

/* The detail from one snapshot (joined when the caller holds one, as a create's answer
 * inside its transaction): the member list and member_count agree. */
json_t *org_detail(const gz_actor *actor, gz_arena *A, gz_db *db, int64_t id, policy_action need,
                   gz_err *err);

#endif
