/* gongzhi demo / gongzhi gen: load synthetic data (domain/demo.h) through the same
 * functions the API uses, so demo data passes every check real data passes:
 *   grids       gz_space_import()             (api/space.h: validity, overlaps, gaps)
 *   buildings   gz_space_add_building()       (api/space.h: placed by locate)
 *   units       gz_people_import(UNITS)       (api/people.h: CSV built in memory)
 *   residents   gz_people_import(RESIDENTS)   (ID checks, sealing, blind indexes)
 *   network     gz_org_create() & co.         (api/org.h)
 *   accounts    gz_user_insert/gz_user_grant  (api/users.h), audited like `user add`
 *   a year of mobilisation  demo_load_mobilisation() (demo_mob.c, through mobilisation.h)
 *   services    gz_services_demo()            (services.h: venues, a year of applications
 *                                               and bookings through the API's functions)
 *   deliberation gz_delib_demo()              (deliberation.h: a year of topics and votes)
 * Each piece is its own transaction with its audit rows (user "cli"). */
#include "api/auth.h"
#include "modules/org/org.h"
#include "modules/people/people.h"
#include "modules/services/services.h"
#include "modules/space/space.h"
#include "modules/accounts/accounts.h"
#include "modules/visits/visits.h"
#include "cli/cli.h"
#include "core/crypto.h"
#include "core/json.h"
#include "core/mem.h"
#include "core/time.h"
#include "db/db.h"
#include "modules/cases/cases.h"
#include "modules/deliberation/deliberation.h"
#include "modules/demo/demo_cases.h"
#include "modules/demo/generate.h"
#include "modules/demo/demo_match.h"
#include "modules/matching/matching.h"
#include "modules/demo/demo_mob.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char gz_cli_demo_usage[] =
    "gongzhi [--db URL] demo [--seed N] [--force] [--json]\n"
    "gongzhi demo --show-accounts [--seed N] [--json]\n"
    "  Loads a realistic synthetic street of Beijing's 朝阳区 into the database: 4\n"
    "  communities, 20 grids that tile them, ~75 buildings, ~3,600 units with areas and\n"
    "  owners, 8,600 residents (names, valid ID numbers, ages, households, tags), the\n"
    "  organisation network (街道党工委 → 社区党委 → 网格党支部 → 楼栋党小组, 居委会,\n"
    "  物业, 业委会, 社会组织, 20+ 共建单位 with agreements, 300+ Party members, some\n"
    "  双报到), one account per role, a year of visits (走访) up to today (key groups\n"
    "  at their visit frequencies, some now due or overdue; half of the other households\n"
    "  every few months) and a year of records kept by hand by the grid worker and the\n"
    "  community's staff (corrections, moves, move-outs, deaths: each kept in the\n"
    "  resident's history), and a year of cases (诉求, 800: seasonal categories, the usual\n"
    "  mix of states and outcomes), and a year of mobilisation (volunteer and Party-member\n"
    "  activities with sign-ups, check-ins and hours, points, each community's 爱心超市\n"
    "  with donations and redemptions; 48 volunteer accounts without a password), and a\n"
    "  year of deliberation (协商议事: in each community seven topics through their\n"
    "  stages, owners' votes and residents' meetings with their ballots and results).\n"
    "  Prints the counts and the accounts with their passwords.\n"
    "  --seed N   another seed, other data (default 1); the same seed gives the same data\n"
    "             (ages are taken at 1 January of the current year).\n"
    "  --force    load even though the database has streets: the demo street then takes\n"
    "             the next free street code; existing usernames are left untouched.\n"
    "  --json     print the summary and the accounts as JSON.\n"
    "  --show-accounts  print the accounts of the demo of that seed again (touches no\n"
    "             database).\n"
    "  Demo passwords follow from the seed: anyone who knows it knows them. For demos\n"
    "  only — never on a database holding real data.\n"
    "  Environment: GONGZHI_DB; GONGZHI_KEY_FILE for PostgreSQL (personal data is\n"
    "  encrypted). On SQLite the load runs with GONGZHI_SQLITE_SYNC=NORMAL unless set.\n";

const char gz_cli_gen_usage[] =
    "gongzhi [--db URL] gen --residents N [--cases M] [--needs K] [--seed S] [--force] [--jobs J]\n"
    "gongzhi [--db URL] gen --cases M [--needs K] [--seed S]\n"
    "  District-scale synthetic data for benchmarks: as many streets (48 grids each),\n"
    "  communities, buildings and units as it takes to house exactly N residents (about\n"
    "  2.7 per household), loaded street by street through the same imports as the API.\n"
    "  No organisations or accounts (see gongzhi demo). Visits of the last 90 days as the\n"
    "  demo makes them (about 0.7 per resident). N is 1..10,000,000.\n"
    "  --cases M  then M cases (1..10,000,000) over the database's grids, reported over\n"
    "             the last year in a street's mix of states (bulk: each with its first\n"
    "             timeline event only); alone, adds them to the grids already there.\n"
    "  --needs K  then K supply-demand needs (1..10,000,000) over the database's residents\n"
    "             (a year's mix of states, open ones still in their window) and one offer\n"
    "             per five needs in their communities (bulk; docs/MATCHING.md).\n"
    "  --seed S   default 1.  --force   add to a database that already has streets.\n"
    "  --jobs J   streets loaded at once on PostgreSQL (1..8, default 4); SQLite has one\n"
    "             writer, so always 1. The data do not depend on J.\n"
    "  Environment: as for demo.\n";

/* ---------------------------------------------------------------- small helpers */

static double secs_since(int64_t t0)
{
	return (double)(gz_time_mono_ns() - t0) / 1e9;
}

static void print_err(const char *cmd, const char *what, const gz_err *err)
{
	fprintf(stderr, "gongzhi %s: %s: %s", cmd, what, err->message);
	for (int i = 0; i < err->nfields; i++)
		fprintf(stderr, "%s %s: %s", i ? ";" : " —", err->fields[i].name,
		        err->fields[i].why);
	fprintf(stderr, "\n");
}

/* A report with "ok": false: print its first problems. */
static void print_report_errors(const char *cmd, const char *what, const json_t *rep)
{
	fprintf(stderr, "gongzhi %s: %s: %lld problems\n", cmd, what,
	        (long long)json_integer_value(json_object_get(rep, "error_count")));
	size_t i;
	json_t *e;
	json_array_foreach(json_object_get(rep, "errors"), i, e)
	{
		if (i == 10)
			break;
		char *s = gz_json_dump(e, NULL);
		fprintf(stderr, "  %s\n", s ? s : "?");
		free(s);
	}
}

typedef struct {
	char *p;
	size_t n, cap;
} sbuf;

static void sb_add(sbuf *b, const char *s, size_t n)
{
	if (b->n + n + 1 > b->cap) {
		b->cap = (b->n + n + 1) * 2 + 65536;
		b->p = gz_realloc(b->p, b->cap);
	}
	memcpy(b->p + b->n, s, n);
	b->n += n;
	b->p[b->n] = '\0';
}

static void sb_printf(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void sb_printf(sbuf *b, const char *fmt, ...)
{
	char tmp[1024];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	if (n > 0)
		sb_add(b, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

static json_t *id_string(int64_t id)
{
	char buf[24];
	snprintf(buf, sizeof buf, "%" PRId64, id);
	return json_string(buf);
}

static int64_t id_of(const json_t *out)
{
	const char *s = json_string_value(json_object_get(out, "id"));
	return s ? strtoll(s, NULL, 10) : 0;
}

static json_t *time_string(int64_t ms)
{
	char buf[40];
	return json_string(gz_time_rfc3339(ms, buf, sizeof buf));
}

/* The first free street number of the demo county (1 when there is none). */
static int next_street_no(gz_db *db, gz_err *err)
{
	gz_stmt *st = gz_db_prepare(db,
	                            "SELECT code FROM streets WHERE code >= $1 AND code < $2 "
	                            "ORDER BY code DESC LIMIT 1",
	                            err);
	if (!st)
		return -1;
	gz_stmt_bind_str(st, 1, DEMO_COUNTY);
	gz_stmt_bind_str(st, 2, DEMO_COUNTY "~");
	int rc = gz_stmt_step(st, err), no = 1;
	if (rc == GZ_ROW)
		no = atoi(gz_stmt_text(st, 0) + 6) + 1;
	gz_stmt_finish(st);
	return rc < 0 ? -1 : no;
}

/* "Non-empty" means: a street exists. */
static int has_streets(gz_db *db, gz_err *err)
{
	gz_stmt *st = gz_db_prepare(db, "SELECT 1 FROM streets LIMIT 1", err);
	if (!st)
		return -1;
	int rc = gz_stmt_step(st, err);
	gz_stmt_finish(st);
	return rc < 0 ? -1 : rc == GZ_ROW;
}

/* Shared setup: durability relaxed for a bulk load on SQLite, keys, database. */
static gz_db *open_for_load(const char *cmd, bool force, int *street_no)
{
	/* Thousands of small transactions: with synchronous=FULL each would wait for the
	 * disk. WAL with NORMAL keeps the database consistent; a crash may lose the last
	 * transactions of the load, which is then simply run again on a fresh database. */
	setenv("GONGZHI_SQLITE_SYNC", "NORMAL", 0);
	if (gz_cli_load_keys() < 0)
		return NULL;
	gz_db *db = gz_cli_open_db();
	if (!db)
		return NULL;
	gz_err err;
	gz_err_clear(&err);
	int any = has_streets(db, &err);
	int no = any < 0 ? -1 : next_street_no(db, &err);
	if (any < 0 || no < 0) {
		print_err(cmd, "database", &err);
		gz_db_close(db);
		return NULL;
	}
	if (any && !force) {
		fprintf(stderr,
		        "gongzhi %s: the database already has data (streets); use a new database, "
		        "or --force to add to it\n",
		        cmd);
		gz_db_close(db);
		return NULL;
	}
	if (no > 999) {
		fprintf(stderr, "gongzhi %s: no free street code left in county %s\n", cmd,
		        DEMO_COUNTY);
		gz_db_close(db);
		return NULL;
	}
	*street_no = no;
	return db;
}

static person_date this_year(void)
{
	person_date d = person_date_from_ms(gz_time_now_ms());
	return (person_date){d.year, 1, 1};
}

/* ---------------------------------------------------------------- loading a street */

typedef struct {
	const char *cmd;
	gz_db *db;
	gz_actor op;            /* the operator: every write of the load is the command line's */
	int64_t *building_ids;  /* demo building -> database id */
	int64_t *org_ids;       /* demo organisation -> database id (for mobilisation) */
	int64_t *agreement_ids; /* demo agreement -> database id */
	double t_grids, t_buildings, t_units, t_residents, t_network, t_accounts, t_visits,
	    t_records, t_cases, t_mobilisation, t_matching, t_services, t_deliberation;
} loader;

static int load_grids(loader *L, const demo_street *s, uint64_t seed)
{
	int64_t t0 = gz_time_mono_ns();
	gz_err err;
	gz_err_clear(&err);
	json_t *doc = demo_street_geojson(s, seed), *rep = NULL;
	int rc = gz_space_import(L->db, &L->op, doc, false, &rep, &err);
	json_decref(doc);
	if (rc < 0) {
		print_err(L->cmd, "grids", &err);
		return -1;
	}
	bool ok = json_is_true(json_object_get(rep, "ok"));
	if (!ok)
		print_report_errors(L->cmd, "grids", rep);
	json_decref(rep);
	L->t_grids += secs_since(t0);
	return ok ? 0 : -1;
}

static int load_buildings(loader *L, const demo_street *s)
{
	int64_t t0 = gz_time_mono_ns();
	free(L->building_ids);
	L->building_ids = gz_calloc((size_t)s->nbuildings + 1, sizeof *L->building_ids);
	for (int32_t i = 0; i < s->nbuildings; i++) {
		const demo_building *b = &s->buildings[i];
		gz_err err;
		gz_err_clear(&err);
		json_t *in =
		    json_pack("{s:s,s:s,s:f,s:f}", "name", b->name, "address", b->address, "lng",
		              (double)b->lng_e7 / 1e7, "lat", (double)b->lat_e7 / 1e7);
		json_t *out = NULL;
		int rc = gz_space_add_building(L->db, &L->op, in, &out, &err);
		json_decref(in);
		if (rc < 0) {
			print_err(L->cmd, "building", &err);
			return -1;
		}
		const char *grid = json_string_value(json_object_get(out, "grid_code"));
		if (!grid || strcmp(grid, s->grids[b->grid].code) != 0) {
			fprintf(stderr, "gongzhi %s: building %s was placed in grid %s, not %s\n",
			        L->cmd, b->address, grid ? grid : "-", s->grids[b->grid].code);
			json_decref(out);
			return -1;
		}
		L->building_ids[i] = id_of(out);
		json_decref(out);
	}
	L->t_buildings += secs_since(t0);
	return 0;
}

/* Runs one people import over the CSV in b. */
static int people_import(loader *L, gz_people_kind kind, const sbuf *b, int64_t expect)
{
	gz_err err;
	gz_err_clear(&err);
	json_t *rep = NULL;
	const char *what = kind == GZ_PEOPLE_UNITS ? "units" : "residents";
	if (gz_people_import(L->db, &L->op, kind, b->p, b->n, false, &rep, &err) < 0) {
		print_err(L->cmd, what, &err);
		return -1;
	}
	bool ok = json_is_true(json_object_get(rep, "ok"));
	int64_t created = json_integer_value(json_object_get(rep, "created"));
	if (!ok)
		print_report_errors(L->cmd, what, rep);
	else if (created != expect)
		fprintf(stderr, "gongzhi %s: %s: %lld created, %lld expected\n", L->cmd, what,
		        (long long)created, (long long)expect);
	json_decref(rep);
	return ok && created == expect ? 0 : -1;
}

static int load_units(loader *L, const demo_street *s)
{
	int64_t t0 = gz_time_mono_ns();
	sbuf b = {0};
	sb_printf(&b, "网格编码,楼栋,房号,专有部分面积,是否已售,业主姓名,业主身份证号\n");
	for (int32_t i = 0; i < s->nunits; i++) {
		const demo_unit *u = &s->units[i];
		const demo_building *bd = &s->buildings[u->building];
		const char *grid = s->grids[bd->grid].code;
		const demo_person *o = u->owner_resident >= 0 ? &s->residents[u->owner_resident]
		                       : u->owner_other >= 0  ? &s->owners[u->owner_other]
		                                              : NULL;
		sb_printf(&b, "%s,%s,%s,%d.%02d,%s,%s,%s\n", grid, bd->name, u->number,
		          u->area_dm2 / 100, u->area_dm2 % 100, u->sold ? "是" : "否",
		          o ? o->name : "", o ? o->id_number : "");
		if (u->co_owner >= 0) {
			const demo_person *c = &s->residents[u->co_owner];
			sb_printf(&b, "%s,%s,%s,%d.%02d,是,%s,%s\n", grid, bd->name, u->number,
			          u->area_dm2 / 100, u->area_dm2 % 100, c->name, c->id_number);
		}
	}
	int rc = people_import(L, GZ_PEOPLE_UNITS, &b, s->nunits);
	free(b.p);
	L->t_units += secs_since(t0);
	return rc;
}

static int load_residents(loader *L, const demo_street *s)
{
	int64_t t0 = gz_time_mono_ns();
	sbuf b = {0};
	sb_printf(&b, "姓名,性别,出生日期,手机号,身份证号,网格编码,楼栋,房号,与户主关系,标签\n");
	for (int32_t i = 0; i < s->nresidents; i++) {
		const demo_person *x = &s->residents[i];
		const demo_unit *u = &s->units[x->unit];
		const demo_building *bd = &s->buildings[u->building];
		char tags[160] = "";
		size_t tn = 0;
		for (int t = 0; t < DEMO_TAG__COUNT; t++)
			if (x->tags & (1u << t))
				tn += (size_t)snprintf(tags + tn, sizeof tags - tn, "%s%s",
				                       tn ? "、" : "", demo_tag_label((demo_tag)t));
		sb_printf(&b, "%s,%s,%04d-%02d-%02d,%s,%s,%s,%s,%s,%s,%s\n", x->name,
		          x->male ? "男" : "女", x->birth.year, x->birth.month, x->birth.day,
		          x->phone, x->id_number, s->grids[bd->grid].code, bd->name, u->number,
		          person_relation_label((person_relation)x->relation), tags);
	}
	int rc = people_import(L, GZ_PEOPLE_RESIDENTS, &b, s->nresidents);
	free(b.p);
	L->t_residents += secs_since(t0);
	return rc;
}

/* ---------------------------------------------------------------- the demo network */

/* The database id of resident ri, found by the keyed hash of their ID number in the
 * register's own lookup table (resident_id_keys, api/people.h). Cached. */
static int64_t resident_id(loader *L, const demo_street *s, int64_t *cache, int32_t ri, gz_err *err)
{
	if (cache[ri])
		return cache[ri];
	uint8_t h[GZ_CRYPTO_LOOKUP_BYTES];
	gz_crypto_lookup(gz_crypto_global(), s->residents[ri].id_number, h);
	gz_stmt *st =
	    gz_db_prepare(L->db, "SELECT resident_id FROM resident_id_keys WHERE id_key = $1", err);
	if (!st)
		return -1;
	gz_stmt_bind_blob(st, 1, h, GZ_PEOPLE_KEY_BYTES);
	int rc = gz_stmt_step(st, err);
	if (rc == GZ_ROW)
		cache[ri] = gz_stmt_int64(st, 0);
	gz_stmt_finish(st);
	if (rc == GZ_DONE)
		gz_err_set(err, GZ_ENOTFOUND, "not_found", "居民 %s 未导入", s->residents[ri].name);
	return rc == GZ_ROW ? cache[ri] : -1;
}

typedef int (*create_fn)(gz_db *db, const gz_actor *a, json_t *in, json_t **out, gz_err *err);

/* Runs a shared create with in (stolen); returns the new id or -1 after printing. */
static int64_t create(loader *L, create_fn fn, json_t *in, const char *what)
{
	gz_err err;
	gz_err_clear(&err);
	json_t *out = NULL;
	int rc = fn(L->db, &L->op, in, &out, &err);
	json_decref(in);
	if (rc < 0) {
		print_err(L->cmd, what, &err);
		return -1;
	}
	int64_t id = id_of(out);
	json_decref(out);
	return id;
}

static int load_network(loader *L, const demo_street *s, int64_t *rid)
{
	int64_t t0 = gz_time_mono_ns();
	gz_err err;
	gz_err_clear(&err);
	int64_t *oid = gz_calloc((size_t)s->norgs + 1, sizeof *oid);
	L->org_ids = oid;
	L->agreement_ids = gz_calloc((size_t)s->nagreements + 1, sizeof *L->agreement_ids);
	int ret = -1;
	for (int32_t i = 0; i < s->norgs; i++) {
		const demo_org *o = &s->orgs[i];
		json_t *in = json_pack("{s:s,s:s,s:s}", "type", org_type_code(o->type), "name",
		                       o->name, "space_code", o->space);
		if (o->parent >= 0)
			json_object_set_new(in, "parent_id", id_string(oid[o->parent]));
		if (o->building >= 0)
			json_object_set_new(in, "building_id",
			                    id_string(L->building_ids[o->building]));
		if (o->credit[0])
			json_object_set_new(in, "credit_code", json_string(o->credit));
		if ((oid[i] = create(L, gz_org_create, in, o->name)) < 0)
			goto out;
	}
	for (int32_t i = 0; i < s->nmembers; i++) {
		const demo_member *m = &s->members[i];
		json_t *in =
		    json_pack("{s:s,s:b}", "position", m->position, "is_contact", m->contact);
		if (m->resident >= 0) {
			int64_t r = resident_id(L, s, rid, m->resident, &err);
			if (r < 0) {
				json_decref(in);
				print_err(L->cmd, "member", &err);
				goto out;
			}
			json_object_set_new(in, "resident_id", id_string(r));
		} else {
			json_object_set_new(in, "name", json_string(m->name));
			if (m->phone[0])
				json_object_set_new(in, "phone", json_string(m->phone));
		}
		gz_err_clear(&err);
		json_t *out = NULL;
		int rc = gz_org_member_add(L->db, &L->op, oid[m->org], in, &out, &err);
		json_decref(in);
		json_decref(out);
		if (rc < 0) {
			print_err(L->cmd, "member", &err);
			goto out;
		}
	}
	for (int32_t i = 0; i < s->nagreements; i++) {
		const demo_agreement *a = &s->agreements[i];
		json_t *cs = json_array();
		for (int k = 0; k < a->ncommitments; k++)
			json_array_append_new(cs, json_pack("{s:s,s:I,s:s}", "item",
			                                    a->commitments[k].item, "quantity",
			                                    (json_int_t)a->commitments[k].quantity,
			                                    "unit", a->commitments[k].unit));
		json_t *in = json_pack(
		    "{s:o,s:s,s:s,s:o,s:o,s:s,s:o}", "unit_org_id", id_string(oid[a->unit_org]),
		    "community_code", s->communities[a->community].code, "title", a->title,
		    "start_at", time_string(a->start_ms), "end_at", time_string(a->end_ms),
		    "status", org_agreement_status_code(a->status), "commitments", cs);
		if ((L->agreement_ids[i] = create(L, gz_coop_agreement_create, in, a->title)) < 0)
			goto out;
	}
	for (int32_t i = 0; i < s->nparty; i++) {
		const demo_party_member *p = &s->party[i];
		int64_t r = resident_id(L, s, rid, p->resident, &err);
		if (r < 0) {
			print_err(L->cmd, "party member", &err);
			goto out;
		}
		json_t *in = json_pack("{s:o,s:o}", "resident_id", id_string(r), "party_org_id",
		                       id_string(oid[p->party_org]));
		if (p->employer >= 0)
			json_object_set_new(in, "employer_org_id", id_string(oid[p->employer]));
		if (p->community >= 0) {
			json_object_set_new(in, "reported_community_code",
			                    json_string(s->communities[p->community].code));
			json_object_set_new(in, "post_type", json_string(org_post_code(p->post)));
			json_object_set_new(in, "reported_at", time_string(p->reported_ms));
		}
		if (create(L, gz_party_member_create, in, "party member") < 0)
			goto out;
	}
	ret = 0;
out:
	L->t_network += secs_since(t0);
	return ret;
}

/* ---------------------------------------------------------------- accounts */

typedef struct {
	const demo_account *a;
	char hash[GZ_PWHASH_MAX];
	int rc;
} hash_job;

static void *hash_worker(void *arg)
{
	hash_job *j = arg;
	gz_err err;
	gz_err_clear(&err);
	j->rc = gz_password_hash(j->a->password, j->hash, &err);
	return NULL;
}

typedef enum { ACC_CREATED, ACC_EXISTED } acc_state;

/* Creates the accounts (argon2id hashes computed in parallel first), each in its own
 * transaction with its grant and audit row, as `gongzhi user add` does; the resident's
 * account is linked to their record. Existing usernames are left alone. */
static int load_accounts(loader *L, const demo_street *s, int64_t *rid, acc_state *state)
{
	int64_t t0 = gz_time_mono_ns();
	hash_job jobs[DEMO_ACCOUNTS];
	pthread_t th[DEMO_ACCOUNTS];
	bool started[DEMO_ACCOUNTS] = {0};
	for (int i = 0; i < s->naccounts; i++) {
		jobs[i] = (hash_job){.a = &s->accounts[i], .rc = -1};
		started[i] = pthread_create(&th[i], NULL, hash_worker, &jobs[i]) == 0;
		if (!started[i])
			hash_worker(&jobs[i]);
	}
	for (int i = 0; i < s->naccounts; i++)
		if (started[i])
			pthread_join(th[i], NULL);
	for (int i = 0; i < s->naccounts; i++) {
		const demo_account *a = &s->accounts[i];
		gz_err err;
		gz_err_clear(&err);
		if (jobs[i].rc < 0) {
			fprintf(stderr, "gongzhi %s: cannot hash a password\n", L->cmd);
			return -1;
		}
		gz_user_row u = {0};
		int rc = gz_user_by_name(L->db, a->username, true, &u, &err);
		if (rc < 0)
			goto fail;
		if (rc > 0) {
			state[i] = ACC_EXISTED;
			continue;
		}
		int64_t res = -1;
		if (a->resident >= 0 && (res = resident_id(L, s, rid, a->resident, &err)) < 0)
			goto fail;
		if (gz_db_begin(L->db, &err) < 0)
			goto fail;
		memset(&u, 0, sizeof u);
		if ((u.id = gz_user_insert(L->db, a->username, a->display_name, jobs[i].hash,
		                           &err)) < 0 ||
		    gz_user_grant(L->db, u.id, a->role, a->scope, &err) < 0)
			goto rollback;
		/* Staff who serve residents have a work phone, posted to them (网格员公示):
		 * a mobile for the grid worker, the community office's line for the others. */
		char work[GZ_WORK_PHONE_MAX + 1] = "";
		if (a->role == ROLE_GRID_WORKER)
			snprintf(work, sizeof work, "1391000%04d", (1001 + i) % 10000);
		else if (a->role == ROLE_COMMUNITY_STAFF || a->role == ROLE_COMMUNITY_ADMIN)
			snprintf(work, sizeof work, "010-6501%04d", (2001 + i) % 10000);
		if (work[0] && gz_user_set_profile(L->db, u.id, NULL, work, &err) < 0)
			goto rollback;
		u.grants[0].role = a->role;
		snprintf(u.grants[0].scope, sizeof u.grants[0].scope, "%s", a->scope);
		u.ngrants = 1;
		char ids[24], scope[GZ_SCOPE_MAX];
		snprintf(ids, sizeof ids, "%" PRId64, u.id);
		gz_user_scope(&u, scope);
		json_t *detail =
		    json_pack("{s:s,s:s,s:o}", "username", a->username, "display_name",
		              a->display_name, "roles", gz_grants_json(u.grants, u.ngrants));
		rc = gz_audit(&L->op, L->db, "user.create", "user", ids, scope, detail, &err);
		json_decref(detail);
		if (rc < 0)
			goto rollback;
		if (res > 0) {
			/* The resident's own record (GET /api/v1/me/resident). */
			gz_stmt *st =
			    gz_db_prepare(L->db,
			                  "UPDATE residents SET user_id = $1, updated_at = $2 "
			                  "WHERE id = $3 AND user_id IS NULL",
			                  &err);
			if (!st)
				goto rollback;
			gz_stmt_bind_int64(st, 1, u.id);
			gz_stmt_bind_int64(st, 2, gz_time_now_ms());
			gz_stmt_bind_int64(st, 3, res);
			rc = gz_stmt_step(st, &err);
			gz_stmt_finish(st);
			char rs[24];
			snprintf(rs, sizeof rs, "%" PRId64, res);
			json_t *d2 = json_pack("{s:[s],s:o}", "fields", "user_id", "user_id",
			                       id_string(u.id));
			if (rc < 0 || gz_audit(&L->op, L->db, "resident.update", "resident", rs,
			                       a->scope, d2, &err) < 0) {
				json_decref(d2);
				goto rollback;
			}
			json_decref(d2);
		}
		if (gz_db_commit(L->db, &err) < 0)
			goto rollback;
		state[i] = ACC_CREATED;
		continue;
	rollback:
		gz_db_rollback(L->db);
	fail:
		print_err(L->cmd, a->username, &err);
		return -1;
	}
	for (int i = 0; i < s->naccounts; i++)
		sodium_memzero(jobs[i].hash, sizeof jobs[i].hash);
	L->t_accounts += secs_since(t0);
	return 0;
}

/* ---------------------------------------------------------------- visits */

/* The year's notifications were written as the demo loaded, all at load time and unread:
 * each gets the time of what it tells (the case event, the proposal, the need's or
 * application's last change), and those older than a week are read — as a year of use
 * leaves them, so the bell counts the last week's news, not 99+. */
static int settle_notices(gz_db *db, int64_t now, gz_err *err)
{
	/* Each in parentheses: one literal per element (clang's -Wstring-concatenation). */
	static const char *const dated[] = {
	    ("UPDATE notifications SET created_at = COALESCE((SELECT MIN(e.at) FROM "
	     "case_events e WHERE e.case_id = notifications.object_id AND e.action = CASE "
	     "WHEN notifications.kind = 'case.reported' THEN 'report' ELSE "
	     "SUBSTR(notifications.kind, 6) END), (SELECT c.updated_at FROM cases c WHERE "
	     "c.id = notifications.object_id), created_at) WHERE object_type = 'case'"),
	    ("UPDATE notifications SET created_at = COALESCE((SELECT p.created_at FROM "
	     "match_proposals p WHERE p.id = notifications.object_id), created_at) WHERE "
	     "object_type = 'match_proposal'"),
	    ("UPDATE notifications SET created_at = COALESCE((SELECT n.updated_at FROM "
	     "match_needs n WHERE n.id = notifications.object_id), created_at) WHERE "
	     "object_type = 'match_need'"),
	    ("UPDATE notifications SET created_at = COALESCE((SELECT a.updated_at FROM "
	     "service_applications a WHERE a.id = notifications.object_id), created_at) WHERE "
	     "object_type = 'service_application'"),
	};
	if (gz_db_begin(db, err) < 0)
		return -1;
	for (size_t i = 0; i < sizeof dated / sizeof *dated; i++)
		if (gz_db_exec(db, dated[i], err) < 0)
			goto fail;
	gz_stmt *st = gz_db_prepare(db,
	                            "UPDATE notifications SET read_at = created_at WHERE read_at "
	                            "IS NULL AND created_at < $1",
	                            err);
	if (!st)
		goto fail;
	gz_stmt_bind_int64(st, 1, now - 7 * 86400000LL);
	int rc = gz_stmt_step(st, err);
	gz_stmt_finish(st);
	if (rc < 0)
		goto fail;
	return gz_db_commit(db, err);
fail:
	gz_db_rollback(db);
	return -1;
}

/* Loads `days` days of generated visits (generate.h, demo_visits_build) through the
 * visits module's bulk load, in one transaction: the demo grid worker's and community
 * staff's visits under their accounts, the other grids' by their generated workers. */
static int load_visits(loader *L, const demo_street *s, uint64_t seed, int days, int64_t *rid,
                       const acc_state *state)
{
	int64_t t0 = gz_time_mono_ns();
	size_t n = 0;
	demo_visit *vs = demo_visits_build(s, seed, days, &n);
	gz_visit_row *rows = gz_malloc((n ? n : 1) * sizeof *rows);
	char(*workers)[DEMO_NAME_MAX] = gz_calloc((size_t)s->ngrids + 1, DEMO_NAME_MAX);
	int64_t account_ids[DEMO_ACCOUNTS] = {0};
	int64_t today = visit_day_of_ms(gz_time_now_ms());
	int ret = -1;
	gz_err err;
	gz_err_clear(&err);
	for (int32_t g = 0; g < s->ngrids; g++)
		demo_grid_worker_name(s, seed, g, workers[g]);
	for (int i = 0; i < s->naccounts; i++) {
		gz_user_row u = {0};
		if (!state || state[i] != ACC_CREATED)
			continue; /* an account of an earlier load: not this street's */
		if (gz_user_by_name(L->db, s->accounts[i].username, false, &u, &err) < 0)
			goto out;
		account_ids[s->accounts[i].role] = u.id;
	}
	for (size_t i = 0; i < n; i++) {
		const demo_visit *v = &vs[i];
		int64_t r = resident_id(L, s, rid, v->resident, &err);
		if (r < 0)
			goto out;
		bool acc = v->account >= 0 && account_ids[v->account] > 0;
		rows[i] = (gz_visit_row){
		    .resident_id = r,
		    .household = v->household != 0,
		    .visited_on = today - v->days_ago,
		    .kind = (visit_kind)v->kind,
		    .findings = demo_visit_finding(v->finding),
		    .visitor_id = acc ? account_ids[v->account] : 0,
		    .visitor_name = acc ? s->accounts[v->account].display_name : workers[v->grid],
		};
	}
	if (gz_visits_load(L->db, &L->op, rows, n, s->code, &err) < 0)
		goto out;
	ret = 0;
out:
	if (ret < 0)
		print_err(L->cmd, "visits", &err);
	free(workers);
	free(rows);
	free(vs);
	L->t_visits += secs_since(t0);
	return ret;
}

/* ---------------------------------------------------------------- records by hand */

/* The demo's staff as actors: the account of the first demo account with role, acting
 * with its one grant (the writes are checked and audited as that user's). */
static bool staff_actor(loader *L, const demo_street *s, policy_role role, gz_actor *a)
{
	for (int i = 0; i < s->naccounts; i++) {
		const demo_account *d = &s->accounts[i];
		if (d->role != role)
			continue;
		gz_user_row u = {0};
		gz_err err;
		gz_err_clear(&err);
		if (gz_user_by_name(L->db, d->username, true, &u, &err) <= 0)
			return false;
		static gz_grant grants[2];
		gz_grant *g = &grants[role == ROLE_GRID_WORKER ? 0 : 1];
		g->role = role;
		snprintf(g->scope, sizeof g->scope, "%s", d->scope);
		memset(a, 0, sizeof *a);
		a->kind = GZ_ACTOR_USER;
		a->user_id = u.id;
		snprintf(a->username, sizeof a->username, "%s", d->username);
		a->grants = g;
		a->ngrants = 1;
		return true;
	}
	return false;
}

/* Up to max residents in the register of scope (a grid or community), by id, from
 * the first with a tag (NULL: any); into ids. Returns the count, or -1. */
static int pick_residents(loader *L, const char *scope, const char *tag, int64_t *ids, int max)
{
	gz_err err;
	gz_err_clear(&err);
	gz_stmt *st = gz_db_prepare(
	    L->db,
	    tag ? "SELECT r.id FROM resident_tags t JOIN residents r ON r.id = t.resident_id WHERE "
	          "t.tag_key = $3 AND t.grid_code >= $1 AND t.grid_code < $2 AND r.status = "
	          "'active' ORDER BY r.id LIMIT $4"
	        : "SELECT id FROM residents WHERE grid_code >= $1 AND grid_code < $2 AND status = "
	          "'active' AND $3 = $3 ORDER BY id LIMIT $4",
	    &err);
	if (!st)
		return -1;
	char hi[GZ_SCOPE_MAX + 2];
	policy_scope_upper(scope, hi, sizeof hi);
	gz_stmt_bind_str(st, 1, scope);
	gz_stmt_bind_str(st, 2, hi);
	gz_stmt_bind_str(st, 3, tag ? tag : "");
	gz_stmt_bind_int64(st, 4, max);
	int n = 0, rc;
	while ((rc = gz_stmt_step(st, &err)) == GZ_ROW && n < max)
		ids[n++] = gz_stmt_int64(st, 0);
	gz_stmt_finish(st);
	return rc < 0 ? -1 : n;
}

/* A date of this year: day `day` of the year (from 0), never after today. */
static void demo_day(int day, char out[RESIDENT_DATE_SIZE])
{
	static const int before[] = {0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334};
	int64_t now = gz_time_now_ms();
	person_date d = person_date_from_ms(now);
	bool leap = (d.year % 4 == 0 && d.year % 100 != 0) || d.year % 400 == 0;
	int doy = before[d.month - 1] + d.day - 1 + (leap && d.month > 2);
	int back = day < doy ? doy - day : 0;
	resident_date_format(person_date_from_ms(now - (int64_t)back * 86400000), out);
}

/* One change by hand through the people module, as actor a; prints and fails on error. */
static int demo_change(loader *L, gz_actor *a, int64_t id, gz_people_change kind, json_t *in,
                       int *seq)
{
	gz_err err;
	gz_err_clear(&err);
	snprintf(a->request_id, sizeof a->request_id, "demo-%d", ++*seq);
	int rc =
	    gz_people_resident_change(L->db, a, id, kind, in, gz_time_now_ms() + *seq, NULL, &err);
	json_decref(in);
	if (rc < 0)
		print_err(L->cmd, "records", &err);
	return rc;
}

/* The year's records kept by hand, so the register has a history to show: the street's
 * grid worker corrects phones, adds tags and relations, records a few move-outs (one
 * moves back in) and deaths in their grid; the community's staff move two families
 * within the street. Each goes through gz_people_resident_change() as that account,
 * checked, counted, kept as history and audited like a change made in the browser. */
static int load_records(loader *L, const demo_street *s)
{
	int64_t t0 = gz_time_mono_ns();
	gz_actor gw, cs;
	if (!staff_actor(L, s, ROLE_GRID_WORKER, &gw) ||
	    !staff_actor(L, s, ROLE_COMMUNITY_STAFF, &cs))
		return 0; /* accounts of an earlier demo: their data has its own history */
	int64_t ids[40], old[8];
	int n = pick_residents(L, gw.grants[0].scope, NULL, ids, 40), seq = 0;
	int no = pick_residents(L, gw.grants[0].scope, "elderly_80", old, 8);
	if (n < 40 || no < 3) {
		fprintf(stderr, "gongzhi %s: too few residents in %s for the demo's records\n",
		        L->cmd, gw.grants[0].scope);
		return n < 0 || no < 0 ? -1 : 0;
	}
	char date[RESIDENT_DATE_SIZE], phone[16];
	/* Corrections through the year. */
	for (int i = 0; i < 6; i++) {
		snprintf(phone, sizeof phone, "139%08d", 10013 + 7919 * i);
		if (demo_change(L, &gw, ids[i], GZ_PEOPLE_EDIT, json_pack("{s:s}", "phone", phone),
		                &seq) < 0)
			return -1;
	}
	static const char *const tags[][2] = {
	    {"独居老人", "空巢老人"}, {"失业", ""}, {"退役军人", ""}};
	for (int i = 0; i < 3; i++) {
		json_t *t = json_array();
		for (int k = 0; k < 2; k++)
			if (tags[i][k][0])
				json_array_append_new(t, json_string(tags[i][k]));
		if (demo_change(L, &gw, ids[6 + i], GZ_PEOPLE_EDIT, json_pack("{s:o}", "tags", t),
		                &seq) < 0)
			return -1;
	}
	/* Moves out, one back in, deaths. */
	static const char *const reasons[] = {"购房迁往通州区", "随子女迁居海淀区",
	                                      "工作调动迁往外省市", "出国定居"};
	for (int i = 0; i < 4; i++) {
		demo_day(30 + 61 * i, date);
		if (demo_change(L, &gw, ids[10 + i], GZ_PEOPLE_MOVE_OUT,
		                json_pack("{s:s,s:s}", "date", date, "reason", reasons[i]),
		                &seq) < 0)
			return -1;
	}
	demo_day(200, date);
	if (demo_change(L, &gw, ids[10], GZ_PEOPLE_MOVE_IN,
	                json_pack("{s:s,s:s}", "date", date, "reason", "购房未成，迁回原址"),
	                &seq) < 0)
		return -1;
	for (int i = 0; i < 2; i++) {
		demo_day(75 + 120 * i, date);
		if (demo_change(L, &gw, old[i], GZ_PEOPLE_DECEASED,
		                json_pack("{s:s}", "date", date), &seq) < 0)
			return -1;
	}
	/* Two residents move to another grid of the community (the community's staff). */
	char other[SPACE_CODE_SIZE] = "";
	for (int g = 0; g < s->ngrids && !other[0]; g++)
		if (!strncmp(s->grids[g].code, cs.grants[0].scope, strlen(cs.grants[0].scope)) &&
		    strcmp(s->grids[g].code, gw.grants[0].scope))
			snprintf(other, sizeof other, "%s", s->grids[g].code);
	for (int i = 0; other[0] && i < 2; i++) {
		demo_day(150 + 30 * i, date);
		if (demo_change(L, &cs, ids[20 + i], GZ_PEOPLE_MOVE,
		                json_pack("{s:s,s:s,s:s,s:s}", "grid_code", other, "address",
		                          i ? "社区公寓 2-301" : "社区公寓 1-502", "relation",
		                          "户主", "date", date),
		                &seq) < 0)
			return -1;
	}
	L->t_records += secs_since(t0);
	return 0;
}

/* ---------------------------------------------------------------- mobilisation */

/* A year of activities, hours, points and the charity store (demo_mob.c), after the
 * accounts (the demo's volunteer takes part). */
static int load_mobilisation(loader *L, const demo_street *s, uint64_t seed)
{
	int64_t t0 = gz_time_mono_ns();
	gz_err err;
	gz_err_clear(&err);
	int rc = demo_load_mobilisation(L->db, &L->op, s, L->org_ids, L->agreement_ids, seed,
	                                gz_time_now_ms(), &err);
	if (rc < 0)
		print_err(L->cmd, "mobilisation", &err);
	L->t_mobilisation += secs_since(t0);
	return rc;
}

/* A year of needs, offers, runs and projects (demo_match.c), after mobilisation (its
 * volunteer accounts offer their services). */
static int load_matching(loader *L, const demo_street *s, uint64_t seed)
{
	int64_t t0 = gz_time_mono_ns();
	gz_err err;
	gz_err_clear(&err);
	int rc = demo_load_matching(L->db, &L->op, s, L->org_ids, L->agreement_ids, seed,
	                            gz_time_now_ms(), &err);
	if (rc < 0)
		print_err(L->cmd, "matching", &err);
	L->t_matching += secs_since(t0);
	return rc;
}

/* ---------------------------------------------------------------- services */

/* The services of the street's communities (services.h). */
static int load_services(loader *L, const demo_street *s, uint64_t seed)
{
	int64_t t0 = gz_time_mono_ns();
	const char *codes[64], *names[64];
	int n = 0;
	for (int32_t i = 0; i < s->ncommunities && n < 64; i++, n++) {
		codes[n] = s->communities[i].code;
		names[n] = s->communities[i].name;
	}
	gz_err err;
	gz_err_clear(&err);
	json_t *sum = NULL;
	int rc =
	    gz_services_demo(L->db, &L->op, codes, names, n, seed, gz_time_now_ms(), &sum, &err);
	json_decref(sum);
	if (rc < 0)
		print_err(L->cmd, "services", &err);
	L->t_services += secs_since(t0);
	return rc;
}

/* ---------------------------------------------------------------- deliberation */

/* A year of topics, votes and their records in each community (deliberation.h), written as
 * the demo's community staff (the operator for an earlier demo's accounts); the demo's
 * accounts evaluate. */
static int load_deliberation(loader *L, const demo_street *s, uint64_t seed)
{
	int64_t t0 = gz_time_mono_ns();
	const char *codes[64], *grids[64];
	int n = 0;
	for (int32_t i = 0; i < s->ncommunities && n < 64; i++) {
		if (s->communities[i].ngrids < 1)
			continue;
		codes[n] = s->communities[i].code;
		grids[n++] = s->grids[s->communities[i].first_grid].code;
	}
	gz_actor cs;
	const gz_actor *a = staff_actor(L, s, ROLE_COMMUNITY_STAFF, &cs) ? &cs : &L->op;
	gz_delib_evaluator ev[16];
	int nev = 0;
	for (int i = 0; i < s->naccounts && nev < 16; i++) {
		gz_user_row u = {0};
		gz_err e;
		gz_err_clear(&e);
		if (gz_user_by_name(L->db, s->accounts[i].username, true, &u, &e) > 0)
			ev[nev++] = (gz_delib_evaluator){u.id, s->accounts[i].username};
	}
	gz_err err;
	gz_err_clear(&err);
	int topics = 0, votes = 0;
	int rc = gz_delib_demo(L->db, a, codes, grids, n, ev, nev, seed, gz_time_now_ms(), &topics,
	                       &votes, &err);
	if (rc < 0)
		print_err(L->cmd, "deliberation", &err);
	L->t_deliberation += secs_since(t0);
	return rc;
}

/* ---------------------------------------------------------------- summary */

static json_t *record_counts(gz_db *db)
{
	gz_err err;
	gz_err_clear(&err);
	json_t *c = json_object();
	gz_stmt *st = gz_db_prepare(db, "SELECT name, n FROM record_counts ORDER BY name", &err);
	if (!st)
		return c;
	while (gz_stmt_step(st, &err) == GZ_ROW)
		json_object_set_new(c, gz_stmt_text(st, 0), json_integer(gz_stmt_int64(st, 1)));
	gz_stmt_finish(st);
	int64_t reported = 0;
	if (gz_db_query_int64(db,
	                      "SELECT COUNT(*) FROM party_members WHERE "
	                      "reported_community_code IS NOT NULL",
	                      &reported, &err, 0) >= 0)
		json_object_set_new(c, "party_members_reported", json_integer(reported));
	return c;
}

static long long count_of(const json_t *c, const char *k)
{
	return (long long)json_integer_value(json_object_get(c, k));
}

/* Prints s padded with spaces to `width` terminal columns (CJK characters take two). */
static void put_padded(const char *s, int width)
{
	int w = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if ((*p & 0xC0) != 0x80)
			w += *p >= 0xE0 ? 2 : 1;
	fputs(s, stdout);
	for (; w < width; w++)
		putchar(' ');
}

static void print_accounts(const demo_street *s, const acc_state *state);

static void print_summary(const demo_street *s, const json_t *c, const acc_state *state,
                          uint64_t seed, double secs)
{
	printf("演示数据已载入（种子 %" PRIu64 "，用时 %.1f 秒）：%s %s\n", seed, secs, s->code,
	       s->name);
	printf("  街道 %lld  社区 %lld  网格 %lld  楼栋 %lld  房屋 %lld  户 %lld  居民 %lld\n",
	       count_of(c, "streets"), count_of(c, "communities"), count_of(c, "grids"),
	       count_of(c, "buildings"), count_of(c, "units"), count_of(c, "households"),
	       count_of(c, "residents"));
	printf("  组织 %lld  共建协议 %lld  党员 %lld（双报到 %lld）  账号 %lld  诉求 %lld\n",
	       count_of(c, "organisations"), count_of(c, "coop_agreements"),
	       count_of(c, "party_members"), count_of(c, "party_members_reported"),
	       count_of(c, "users"), count_of(c, "cases"));
	printf("  走访记录 %lld（近一年，重点人群按走访频次）\n", count_of(c, "visits"));
	printf("  志愿活动 %lld  报名 %lld  服务记录 %lld  爱心超市兑换 %lld\n",
	       count_of(c, "activities"), count_of(c, "signups"), count_of(c, "service_records"),
	       count_of(c, "redemptions"));
	printf("  供需对接需求 %lld\n", count_of(c, "match_needs"));
	printf("\n演示账号（密码由种子决定，仅供演示；勿在真实数据上使用）：\n");
	print_accounts(s, state);
}

/* The place a demo grant's scope names, by name (「东湖街道」, 「朝阳里社区第一网格」); the
 * whole system's ""; another scope (an organisation's) as it is. */
static const char *scope_label(const demo_street *s, const char *scope)
{
	if (!scope[0])
		return "（全部）";
	if (!strcmp(scope, s->code))
		return s->name;
	for (int i = 0; i < s->ncommunities; i++)
		if (!strcmp(scope, s->communities[i].code))
			return s->communities[i].name;
	for (int i = 0; i < s->ngrids; i++)
		if (!strcmp(scope, s->grids[i].code))
			return s->grids[i].name;
	return scope;
}

static void print_accounts(const demo_street *s, const acc_state *state)
{
	static const int widths[] = {16, 13, 16, 12};
	const char *head[] = {"角色", "用户名", "密码", "姓名", "范围"};
	printf("  ");
	for (int k = 0; k < 4; k++)
		put_padded(head[k], widths[k]);
	printf("%s\n", head[4]);
	for (int i = 0; i < s->naccounts; i++) {
		const demo_account *a = &s->accounts[i];
		const char *cells[] = {policy_role_label(a->role), a->username,
		                       state[i] == ACC_CREATED ? a->password : "（已存在）",
		                       a->display_name};
		printf("  ");
		for (int k = 0; k < 4; k++)
			put_padded(cells[k], widths[k]);
		printf("%s\n", scope_label(s, a->scope));
	}
	printf("\n登录：浏览器打开服务地址，用上面的用户名和密码。\n");
}

static json_t *summary_json(const demo_street *s, json_t *counts, const acc_state *state,
                            uint64_t seed, double secs)
{
	json_t *accounts = json_array();
	for (int i = 0; i < s->naccounts; i++) {
		const demo_account *a = &s->accounts[i];
		json_t *j =
		    json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:b}", "role", policy_role_name(a->role),
		              "role_label", policy_role_label(a->role), "username", a->username,
		              "display_name", a->display_name, "scope", a->scope, "scope_name",
		              scope_label(s, a->scope), "created", state[i] == ACC_CREATED);
		if (state[i] == ACC_CREATED)
			json_object_set_new(j, "password", json_string(a->password));
		json_array_append_new(accounts, j);
	}
	return json_pack("{s:I,s:s,s:s,s:f,s:o,s:o}", "seed", (json_int_t)seed, "street_code",
	                 s->code, "street_name", s->name, "seconds", secs, "counts", counts,
	                 "accounts", accounts);
}

/* ---------------------------------------------------------------- arguments */

#define GEN_JOBS_MAX 8

typedef struct {
	uint64_t seed;
	int64_t residents, cases, needs;
	bool force, json, show_accounts;
	int jobs; /* gen: 0 = default */
} opts;

static int parse_u64(const char *s, uint64_t *out)
{
	if (!s || !*s)
		return -1;
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (*end || errno || s[0] == '-')
		return -1;
	*out = v;
	return 0;
}

static int parse_opts(const char *cmd, int argc, char **argv, opts *o, bool gen)
{
	memset(o, 0, sizeof *o);
	o->seed = 1;
	o->residents = -1;
	o->cases = 0;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = NULL;
		const char *names[] = {"--seed", "--db",    "--residents",
		                       "--jobs", "--cases", "--needs"};
		int which = -1;
		for (int k = 0; k < 6 && which < 0; k++) {
			size_t n = strlen(names[k]);
			if (!strncmp(a, names[k], n) && (a[n] == '=' || a[n] == '\0')) {
				which = k;
				if (a[n] == '=')
					v = a + n + 1;
				else if (i + 1 < argc)
					v = argv[++i];
				else {
					fprintf(stderr, "gongzhi %s: %s needs a value\n", cmd,
					        names[k]);
					return 2;
				}
			}
		}
		uint64_t u;
		if (which == 0) {
			if (parse_u64(v, &o->seed) < 0) {
				fprintf(stderr,
				        "gongzhi %s: --seed must be a non-negative integer\n", cmd);
				return 2;
			}
		} else if (which == 1) {
			setenv("GONGZHI_DB", v, 1);
		} else if (which == 2 && gen) {
			if (parse_u64(v, &u) < 0 || u < 1 || u > 10000000) {
				fprintf(stderr, "gongzhi %s: --residents must be 1..10000000\n",
				        cmd);
				return 2;
			}
			o->residents = (int64_t)u;
		} else if (which == 3 && gen) {
			if (parse_u64(v, &u) < 0 || u < 1 || u > GEN_JOBS_MAX) {
				fprintf(stderr, "gongzhi %s: --jobs must be 1..%d\n", cmd,
				        GEN_JOBS_MAX);
				return 2;
			}
			o->jobs = (int)u;
		} else if (which == 4 && gen) {
			if (parse_u64(v, &u) < 0 || u < 1 || u > 10000000) {
				fprintf(stderr, "gongzhi %s: --cases must be 1..10000000\n", cmd);
				return 2;
			}
			o->cases = (int64_t)u;
		} else if (which == 5 && gen) {
			if (parse_u64(v, &u) < 0 || u < 1 || u > 10000000) {
				fprintf(stderr, "gongzhi %s: --needs must be 1..10000000\n", cmd);
				return 2;
			}
			o->needs = (int64_t)u;
		} else if (!strcmp(a, "--force")) {
			o->force = true;
		} else if (!strcmp(a, "--json") && !gen) {
			o->json = true;
		} else if (!strcmp(a, "--show-accounts") && !gen) {
			o->show_accounts = true;
		} else {
			fprintf(stderr,
			        "gongzhi %s: unknown argument '%s' (see 'gongzhi %s --help')\n",
			        cmd, a, cmd);
			return 2;
		}
	}
	if (gen && o->residents < 0 && !o->cases && !o->needs) {
		fprintf(stderr, "gongzhi gen: --residents N, --cases M or --needs K is required\n");
		return 2;
	}
	return 0;
}

/* ---------------------------------------------------------------- commands */

static int show_accounts(const opts *o);

int gz_cli_demo(int argc, char **argv)
{
	opts o;
	int rc = parse_opts("demo", argc, argv, &o, false);
	if (rc)
		return rc;
	if (o.show_accounts)
		return show_accounts(&o);
	int64_t t0 = gz_time_mono_ns();
	int street_no = 1;
	gz_db *db = open_for_load("demo", o.force, &street_no);
	if (!db)
		return 1;
	demo_config c;
	demo_config_demo(&c, o.seed, this_year());
	c.street_no = street_no;
	/* Street 1 is exactly demo_street_build(seed); a street added with --force draws
	 * other phone numbers. */
	demo_people *pp =
	    demo_people_new(street_no == 1 ? o.seed : o.seed ^ ((uint64_t)street_no << 40));
	gz_err err;
	gz_err_clear(&err);
	demo_street *s = demo_street_build(&c, pp, &err);
	loader L = {.cmd = "demo", .db = db};
	gz_actor_operator(&L.op);
	int64_t *rid = NULL;
	acc_state state[DEMO_ACCOUNTS] = {0};
	int ret = 1;
	if (!s) {
		print_err("demo", "generate", &err);
		goto out;
	}
	rid = gz_calloc((size_t)s->nresidents + 1, sizeof *rid);
	if (!o.json)
		fprintf(stderr, "正在载入演示数据：%s %s …\n", s->code, s->name);
	if (load_grids(&L, s, c.seed) < 0 || load_buildings(&L, s) < 0 || load_units(&L, s) < 0 ||
	    load_residents(&L, s) < 0 || load_network(&L, s, rid) < 0 ||
	    load_accounts(&L, s, rid, state) < 0 ||
	    load_visits(&L, s, c.seed, 365, rid, state) < 0 || load_records(&L, s) < 0 ||
	    load_mobilisation(&L, s, c.seed) < 0 || load_matching(&L, s, c.seed) < 0 ||
	    load_services(&L, s, c.seed) < 0 || load_deliberation(&L, s, c.seed) < 0)
		goto out;
	int64_t tc = gz_time_mono_ns();
	if (demo_load_cases(db, &L.op, s, L.building_ids, o.seed, gz_time_now_ms(), DEMO_CASES,
	                    &err) < 0) {
		print_err("demo", "cases", &err);
		goto out;
	}
	L.t_cases = secs_since(tc);
	if (settle_notices(db, gz_time_now_ms(), &err) < 0) {
		print_err("demo", "notifications", &err);
		goto out;
	}
	double secs = secs_since(t0);
	json_t *counts = record_counts(db);
	if (o.json) {
		json_t *j = summary_json(s, counts, state, o.seed, secs);
		json_object_set_new(
		    j, "timings",
		    json_pack("{s:f,s:f,s:f,s:f,s:f,s:f,s:f,s:f,s:f,s:f,s:f,s:f,s:f}", "grids",
		              L.t_grids, "buildings", L.t_buildings, "units", L.t_units,
		              "residents", L.t_residents, "network", L.t_network, "accounts",
		              L.t_accounts, "visits", L.t_visits, "records", L.t_records, "cases",
		              L.t_cases, "mobilisation", L.t_mobilisation, "matching", L.t_matching,
		              "services", L.t_services, "deliberation", L.t_deliberation));
		char *txt = gz_json_dump(j, NULL);
		printf("%s\n", txt ? txt : "{}");
		free(txt);
		json_decref(j);
	} else {
		print_summary(s, counts, state, o.seed, secs);
		json_decref(counts);
	}
	ret = 0;
out:
	free(rid);
	free(L.building_ids);
	free(L.org_ids);
	free(L.agreement_ids);
	demo_street_free(s);
	demo_people_free(pp);
	gz_db_close(db);
	return ret;
}

/* The accounts of the demo street of o->seed (street 1), as gongzhi demo printed them;
 * nothing is read or written. */
static int show_accounts(const opts *o)
{
	demo_config c;
	demo_config_demo(&c, o->seed, this_year());
	demo_people *pp = demo_people_new(o->seed);
	gz_err err;
	gz_err_clear(&err);
	demo_street *s = demo_street_build(&c, pp, &err);
	demo_people_free(pp);
	if (!s) {
		print_err("demo", "generate", &err);
		return 1;
	}
	acc_state state[DEMO_ACCOUNTS] = {0}; /* ACC_CREATED: show the passwords */
	if (o->json) {
		json_t *j = summary_json(s, json_object(), state, o->seed, 0);
		char *txt = gz_json_dump(j, NULL);
		printf("%s\n", txt ? txt : "{}");
		free(txt);
		json_decref(j);
	} else {
		printf("种子 %" PRIu64 " 的演示账号（%s %s）：\n", o->seed, s->code, s->name);
		print_accounts(s, state);
	}
	demo_street_free(s);
	return 0;
}

/* gen loads streets on several connections at once on PostgreSQL: the imports wait on
 * round trips, not on the CPU, and different streets touch different rows. The main
 * thread generates streets in order (IDs and phones stay unique and the data the same
 * whatever the number of jobs) into a small queue; each worker loads whole streets. */

typedef struct {
	pthread_mutex_t mu;
	pthread_cond_t can_put, can_get;
	demo_street *q[GEN_JOBS_MAX];
	int qhead, qlen, cap;
	bool done, failed;
	uint64_t seed;
	int64_t t0, asked, loaded, streets, communities, grids, buildings, units;
	double t_grids, t_buildings, t_units, t_residents, t_visits;
} gen_state;

static void *gen_worker(void *arg)
{
	gen_state *g = arg;
	gz_db *db = gz_cli_open_db();
	loader L = {.cmd = "gen", .db = db};
	gz_actor_operator(&L.op);
	for (;;) {
		pthread_mutex_lock(&g->mu);
		if (!db)
			g->failed = true;
		while (!g->qlen && !g->done && !g->failed)
			pthread_cond_wait(&g->can_get, &g->mu);
		if (!g->qlen || g->failed) {
			pthread_cond_broadcast(&g->can_put);
			pthread_mutex_unlock(&g->mu);
			break;
		}
		demo_street *s = g->q[g->qhead];
		g->qhead = (g->qhead + 1) % g->cap;
		g->qlen--;
		pthread_cond_signal(&g->can_put);
		pthread_mutex_unlock(&g->mu);

		/* A quarter of visits per street (the demo loads a year): visits grow with the
		 * residents without making a city's load several times longer. */
		int64_t *rid = gz_calloc((size_t)s->nresidents + 1, sizeof *rid);
		bool ok = load_grids(&L, s, g->seed) == 0 && load_buildings(&L, s) == 0 &&
		          load_units(&L, s) == 0 && load_residents(&L, s) == 0 &&
		          load_visits(&L, s, g->seed, 90, rid, NULL) == 0;
		free(rid);
		pthread_mutex_lock(&g->mu);
		if (ok) {
			g->loaded += s->nresidents;
			g->streets++;
			g->communities += s->ncommunities;
			g->grids += s->ngrids;
			g->buildings += s->nbuildings;
			g->units += s->nunits;
			printf("街道 %s %-10s 社区 %2d 网格 %d 楼栋 %4d 房屋 %6d 居民 %6d  "
			       "累计居民 %8lld  %.1f 秒\n",
			       s->code, s->name, s->ncommunities, s->ngrids, s->nbuildings,
			       s->nunits, s->nresidents, (long long)g->loaded, secs_since(g->t0));
			fflush(stdout);
		} else {
			g->failed = true;
			pthread_cond_broadcast(&g->can_put);
			pthread_cond_broadcast(&g->can_get);
		}
		pthread_mutex_unlock(&g->mu);
		demo_street_free(s);
		if (!ok)
			break;
	}
	pthread_mutex_lock(&g->mu);
	g->t_grids += L.t_grids;
	g->t_buildings += L.t_buildings;
	g->t_units += L.t_units;
	g->t_residents += L.t_residents;
	g->t_visits += L.t_visits;
	pthread_mutex_unlock(&g->mu);
	free(L.building_ids);
	gz_db_close(db);
	return NULL;
}

/* gen --cases: M cases over the grids of the database. */
static int gen_cases(const opts *o)
{
	int64_t t0 = gz_time_mono_ns();
	setenv("GONGZHI_SQLITE_SYNC", "NORMAL", 0);
	gz_db *db = gz_cli_open_db();
	if (!db)
		return 1;
	gz_actor op;
	gz_actor_operator(&op);
	gz_err err;
	gz_err_clear(&err);
	int64_t made = 0;
	int rc = gz_cases_generate(db, &op, o->cases, o->seed, gz_time_now_ms(), &made, &err);
	gz_db_close(db);
	if (rc < 0) {
		print_err("gen", "cases", &err);
		fprintf(stderr, "gongzhi gen: stopped after %lld cases (of %lld)\n",
		        (long long)made, (long long)o->cases);
		return 1;
	}
	printf("完成：诉求 %lld；用时 %.1f 秒\n", (long long)made, secs_since(t0));
	return 0;
}

/* gen --needs K: K needs (and offers) over the residents of the database. */
static int gen_needs(const opts *o)
{
	int64_t t0 = gz_time_mono_ns();
	setenv("GONGZHI_SQLITE_SYNC", "NORMAL", 0);
	gz_db *db = gz_cli_open_db();
	if (!db)
		return 1;
	gz_actor op;
	gz_actor_operator(&op);
	gz_err err;
	gz_err_clear(&err);
	int64_t made = 0;
	int rc = gz_match_generate(db, &op, o->needs, o->seed, gz_time_now_ms(), &made, &err);
	gz_db_close(db);
	if (rc < 0) {
		print_err("gen", "needs", &err);
		return 1;
	}
	printf("完成：供需对接需求 %lld；用时 %.1f 秒\n", (long long)made, secs_since(t0));
	return 0;
}

/* The --cases and --needs parts of gen, after the residents. */
static int gen_more(const opts *o)
{
	int rc = o->cases ? gen_cases(o) : 0;
	return rc == 0 && o->needs ? gen_needs(o) : rc;
}

int gz_cli_gen(int argc, char **argv)
{
	opts o;
	int rc = parse_opts("gen", argc, argv, &o, true);
	if (rc)
		return rc;
	if (o.residents < 0)
		return gen_more(&o);
	int64_t t0 = gz_time_mono_ns();
	int street_no = 1;
	gz_db *db = open_for_load("gen", o.force, &street_no);
	if (!db)
		return 1;
	/* SQLite has one writer at a time: one job. */
	int jobs = gz_db_driver(db) == GZ_DB_SQLITE ? 1 : o.jobs ? o.jobs : 4;
	gz_db_close(db);

	gen_state g = {.cap = jobs, .seed = o.seed, .t0 = t0, .asked = o.residents};
	pthread_mutex_init(&g.mu, NULL);
	pthread_cond_init(&g.can_put, NULL);
	pthread_cond_init(&g.can_get, NULL);
	pthread_t th[GEN_JOBS_MAX];
	int started = 0;
	for (; started < jobs; started++)
		if (pthread_create(&th[started], NULL, gen_worker, &g) != 0)
			break;
	if (!started) {
		fprintf(stderr, "gongzhi gen: cannot start a thread\n");
		return 1;
	}

	person_date today = this_year();
	demo_people *pp = demo_people_new(o.seed);
	int64_t left = o.residents;
	double t_gen = 0;
	while (left > 0) {
		if (street_no > 999) {
			fprintf(stderr, "gongzhi gen: out of street codes in county %s\n",
			        DEMO_COUNTY);
			pthread_mutex_lock(&g.mu);
			g.failed = true;
			pthread_mutex_unlock(&g.mu);
			break;
		}
		demo_config c;
		demo_config_gen(&c, o.seed, today, street_no++,
		                (int32_t)(left < 10000000 ? left : 10000000));
		gz_err err;
		gz_err_clear(&err);
		int64_t tg = gz_time_mono_ns();
		demo_street *s = demo_street_build(&c, pp, &err);
		t_gen += secs_since(tg);
		if (!s || s->nresidents == 0) {
			if (!s)
				print_err("gen", "generate", &err);
			else
				fprintf(stderr, "gongzhi gen: street %s houses nobody\n", s->code);
			demo_street_free(s);
			pthread_mutex_lock(&g.mu);
			g.failed = true;
			pthread_mutex_unlock(&g.mu);
			break;
		}
		left -= s->nresidents;
		pthread_mutex_lock(&g.mu);
		while (g.qlen == g.cap && !g.failed)
			pthread_cond_wait(&g.can_put, &g.mu);
		bool failed = g.failed;
		if (!failed) {
			g.q[(g.qhead + g.qlen) % g.cap] = s;
			g.qlen++;
			pthread_cond_signal(&g.can_get);
		}
		pthread_mutex_unlock(&g.mu);
		if (failed) {
			demo_street_free(s);
			break;
		}
	}
	pthread_mutex_lock(&g.mu);
	g.done = true;
	pthread_cond_broadcast(&g.can_get);
	pthread_mutex_unlock(&g.mu);
	for (int i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	demo_people_free(pp);
	for (; g.qlen; g.qlen--, g.qhead = (g.qhead + 1) % g.cap)
		demo_street_free(g.q[g.qhead]);
	pthread_mutex_destroy(&g.mu);
	pthread_cond_destroy(&g.can_put);
	pthread_cond_destroy(&g.can_get);
	if (g.failed || g.loaded != o.residents) {
		fprintf(stderr, "gongzhi gen: stopped after %lld residents (of %lld)\n",
		        (long long)g.loaded, (long long)o.residents);
		return 1;
	}
	printf(
	    "完成：街道 %lld，社区 %lld，网格 %lld，楼栋 %lld，房屋 %lld，居民 %lld；用时 %.1f "
	    "秒，%d 个并行连接（累计：生成 %.1f，网格 %.1f，楼栋 %.1f，房屋 %.1f，居民 %.1f，走访 "
	    "%.1f）\n",
	    (long long)g.streets, (long long)g.communities, (long long)g.grids,
	    (long long)g.buildings, (long long)g.units, (long long)g.loaded, secs_since(t0), jobs,
	    t_gen, g.t_grids, g.t_buildings, g.t_units, g.t_residents, g.t_visits);
	return gen_more(&o);
}
