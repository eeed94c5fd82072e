/* The staff serving a resident (docs/SECURITY.md, "Staff serving a resident"): the one
 * exception to the masking rule, as the posted 网格员公示 boards make it. For a viewer
 * holding a resident grant (their home: a grid, or a community), these are shown by name
 * and work phone:
 *
 *   - the accounts holding grid_worker at the home grid or its community, and
 *     community_staff / community_admin at its community (gz_accounts_serving);
 *   - the secretaries (书记, 副书记) of the Party branch of the home grid and of the Party
 *     committee of its community (org_serving_position), wherever they are shown.
 *
 * GET /api/v1/me/serving lists them for the caller; organisation details, the Party
 * member list and the 交叉任职 figures name them the same way (org_serving). */
#include "modules/module.h"
#include "api/common.h"
#include "api/auth.h"
#include "api/names.h"
#include "modules/accounts/accounts.h"
#include "modules/org/org_internal.h"
#include "modules/org/rules.h"
#include "modules/people/people.h"
#include "domain/policy.h"
#include "domain/space_code.h"

#include <stdio.h>
#include <string.h>

/* The places whose posts serve a home: its street, community and grid (as far as the
 * home goes). Returns how many of out[3] are set (each SPACE_CODE_SIZE bytes). */
static int home_places(const char *home, char out[3][SPACE_CODE_SIZE])
{
	static const int lens[] = {SPACE_STREET, SPACE_COMMUNITY, SPACE_GRID};
	size_t n = strlen(home);
	int k = 0;
	for (int i = 0; i < 3; i++)
		if ((size_t)lens[i] <= n)
			snprintf(out[k++], SPACE_CODE_SIZE, "%.*s", lens[i], home);
	return k;
}

/* Members of the organisations of a home's places: MEMBER_COLS, the organisation's type
 * and name. A handful of organisations per place. */
static const char *sql_home_members =
    "SELECT " MEMBER_COLS ", o.type, o.name FROM org_members m JOIN organisations o ON o.id = "
    "m.org_id WHERE m.scope_code IN ($1, $2, $3) ORDER BY length(m.scope_code) DESC, o.id, "
    "m.id";

/* Runs fn on every member holding a serving post at one of a's homes. */
static int each_serving_member(const gz_actor *a, gz_db *db,
                               void (*fn)(gz_stmt *st, const char *home, void *ctx), void *ctx,
                               gz_err *err)
{
	if (!a || gz_actor_is_operator(a))
		return 0;
	for (int g = 0; g < a->ngrants; g++) {
		if (a->grants[g].role != ROLE_RESIDENT || !a->grants[g].scope[0])
			continue;
		char places[3][SPACE_CODE_SIZE];
		int np = home_places(a->grants[g].scope, places);
		if (!np)
			continue;
		gz_stmt *st = gz_db_prepare(db, sql_home_members, err);
		if (!st)
			return -1;
		for (int i = 0; i < 3; i++)
			gz_stmt_bind_str(st, i + 1, i < np ? places[i] : NULL);
		int rc;
		while ((rc = gz_stmt_step(st, err)) == GZ_ROW) {
			int type = org_type_parse(gz_stmt_text(st, 11));
			if (type >= 0 &&
			    org_serving_position((org_type)type, gz_stmt_text(st, 5)) &&
			    gz_people_serves(a, gz_stmt_text(st, 9)))
				fn(st, a->grants[g].scope, ctx);
		}
		gz_stmt_finish(st);
		if (rc < 0)
			return -1;
	}
	return 0;
}

typedef struct {
	gz_arena *A;
	org_serving *s;
	size_t cap;
} load_ctx;

static void add_key(gz_stmt *st, const char *home, void *p)
{
	(void)home;
	load_ctx *c = p;
	const char *key = gz_stmt_text(st, 10);
	if (org_serving_has(c->s, key))
		return;
	if (c->s->n == c->cap) {
		size_t cap = c->cap ? 2 * c->cap : 8;
		const char **k = gz_arena_alloc(c->A, sizeof *k * cap);
		if (c->s->n)
			memcpy(k, c->s->keys, sizeof *k * c->s->n);
		c->s->keys = k;
		c->cap = cap;
	}
	c->s->keys[c->s->n++] = gz_arena_strdup(c->A, key);
}

int org_serving_load(const gz_actor *actor, gz_db *db, gz_arena *A, org_serving *s, gz_err *err)
{
	memset(s, 0, sizeof *s);
	load_ctx c = {A, s, 0};
	return each_serving_member(actor, db, add_key, &c, err);
}

bool org_serving_has(const org_serving *s, const char *person_key)
{
	for (size_t i = 0; s && person_key && i < s->n; i++)
		if (!strcmp(s->keys[i], person_key))
			return true;
	return false;
}

/* ---------------------------------------------------------------- GET /me/serving */

typedef struct {
	gz_req *r;
	json_t *items;
	const char *home;
} serving_ctx;

static void add_account(void *p, policy_role role, const char *display, const char *username,
                        const char *phone, const char *scope)
{
	serving_ctx *c = p;
	json_array_append_new(
	    c->items,
	    json_pack("{s:s,s:s,s:s,s:b,s:o,s:s,s:s}", "kind",
	              role == ROLE_GRID_WORKER ? "grid_worker" : "community_staff", "kind_label",
	              policy_role_label(role), "name", display && *display ? display : username,
	              "name_masked", false, "work_phone", phone ? json_string(phone) : json_null(),
	              "place", scope, "home", c->home));
}

static void add_member(gz_stmt *st, const char *home, void *p)
{
	serving_ctx *c = p;
	const char *phone = org_phone_full(st, 4, &c->r->arena);
	json_array_append_new(
	    c->items,
	    json_pack(
	        "{s:s,s:s,s:s,s:b,s:o,s:s,s:s,s:s,s:s}", "kind", "party_secretary", "kind_label",
	        gz_arena_printf(&c->r->arena, "%s%s", gz_stmt_text(st, 12), gz_stmt_text(st, 5)),
	        "name", gz_stmt_text(st, 3), "name_masked", false, "work_phone",
	        phone ? json_string(phone) : json_null(), "place", gz_stmt_text(st, 9), "position",
	        gz_stmt_text(st, 5), "org_name", gz_stmt_text(st, 12), "home", home));
}

static void serving_read(gz_req *r)
{
	gz_err err;
	gz_err_clear(&err);
	const gz_actor *a = gz_req_actor(r);
	gz_db *db = gz_req_db(r, &err);
	json_t *items = json_array(), *homes = json_array();
	if (!db)
		goto fail;
	serving_ctx c = {r, items, NULL};
	gz_name_ref *refs = gz_arena_alloc(&r->arena, sizeof *refs * (size_t)(a->ngrants + 1));
	size_t nh = 0;
	for (int g = 0; g < a->ngrants; g++) {
		const char *home = a->grants[g].scope;
		if (a->grants[g].role != ROLE_RESIDENT || strlen(home) < SPACE_COMMUNITY)
			continue;
		char community[SPACE_CODE_SIZE];
		snprintf(community, sizeof community, "%.*s", SPACE_COMMUNITY, home);
		c.home = home;
		if (gz_accounts_serving(db, strlen(home) == SPACE_GRID ? home : NULL, community,
		                        add_account, &c, &err) < 0)
			goto fail;
		refs[nh++].id = home;
	}
	if (each_serving_member(a, db, add_member, &c, &err) < 0 ||
	    gz_names_resolve(a, db, &r->arena, "place", refs, nh, &err) < 0)
		goto fail;
	for (size_t i = 0; i < nh; i++)
		json_array_append_new(homes,
		                      json_pack("{s:s,s:s?,s:s?}", "code", refs[i].id, "name",
		                                refs[i].name, "path", refs[i].detail));
	json_t *first = json_array_get(homes, 0);
	gz_reply_header(r, "Cache-Control", "no-store");
	gz_reply_json(r, 200,
	              json_pack("{s:o,s:O,s:o}", "items", items, "grid",
	                        first ? first : json_null(), "homes", homes));
	return;
fail:
	json_decref(items);
	json_decref(homes);
	gz_reply_err(r, &err);
}

static void serving(gz_req *r)
{
	gz_api_read(r, serving_read);
}

const gz_module_route gz_org_serving_routes[] = {
    {"GET", "/api/v1/me/serving", serving, 0, 0},
    {0},
};
