/* gongzhi demo's integrated services: for each community of the demo street, the rooms of
 * its 党群服务中心 and the venues of co-building units with an agreement, a year of
 * applications run through their steps (补正, acceptance, decisions, certificates,
 * follow-up ratings, and the recent ones still open, some overdue) and a year of venue
 * bookings (approved, rejected, cancelled, checked in). Everything goes through the same
 * functions as the API, at back-dated times, as the command line's operator: staff at the
 * counter. Deterministic for a seed and a day. */
#include "modules/services/services.h"
#include "modules/services/svc_internal.h"
#include "modules/org/org.h"
#include "modules/people/people.h"
#include "api/common.h"
#include "core/json.h"

#include <stdio.h>
#include <string.h>

#define APPS_PER_COMMUNITY   30
#define AGREEMENT_VENUES_MAX 2

typedef struct {
	uint64_t s;
} rng;

static uint64_t next(rng *r)
{
	uint64_t z = (r->s += 0x9E3779B97F4A7C15ULL);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

static int below(rng *r, int n)
{
	return n > 0 ? (int)(next(r) % (uint64_t)n) : 0;
}

static bool chance(rng *r, int percent)
{
	return below(r, 100) < percent;
}

/* A moment of working hours on or after day (Monday–Friday, 09:00–16:30 Beijing). */
static int64_t office_time(rng *r, int32_t day)
{
	while (svc_weekday(day) > 5)
		day++;
	return svc_day_start_ms(day) + (int64_t)(9 * 60 + below(r, 450)) * 60000;
}

/* A moment some working days after t. */
static int64_t later(rng *r, int64_t t, int max_days)
{
	return office_time(r, svc_local_day(t) + below(r, max_days + 1)) +
	       (below(r, 2) ? 0 : 3600000);
}

typedef struct {
	gz_db *db;
	const gz_actor *op;
	int64_t now;
	rng r;
	int apps, steps, bookings, venues, failed;
	gz_err err;
} loader;

/* Reports a refused step of the demo (a bug: every demo write is valid) and counts it. */
static void failed(loader *L, const char *what)
{
	L->failed++;
	fprintf(stderr, "gongzhi demo: services: %s: %s", what, L->err.message);
	for (int i = 0; i < L->err.nfields; i++)
		fprintf(stderr, "%s %s: %s", i ? ";" : " —", L->err.fields[i].name,
		        L->err.fields[i].why);
	fprintf(stderr, "\n");
	gz_err_clear(&L->err);
}

/* ---------------------------------------------------------------- applications */

static const struct {
	const char *code;
	int weight;
} mix[] = {
    {"residence_proof", 28},
    {"conduct_proof", 8},
    {"only_child_proof", 7},
    {"elder_card", 12},
    {"aged_allowance", 6},
    {"disability_subsidy", 6},
    {"dibao_initial", 4},
    {"temporary_assistance", 4},
    {"birth_registration", 6},
    {"family_planning_consult", 4},
    {"social_insurance_consult", 8},
    {"employment_registration", 5},
    {"flexible_employment_subsidy", 2},
};

static const char *const texts[][2] = {
    {"address", "本社区%d号楼%d单元%d0%d"},
    {"employer", "北京市朝阳区某科技有限公司"},
    {"position", "软件工程师岗位入职政审"},
    {"submit_to", "朝阳区教育委员会"},
    {"spouse_name", "王丽"},
    {"child_name", "张小宇"},
    {"agent", "李强"},
    {"guardian", "赵敏"},
    {"reason", "家庭主要劳动力失业，收入不足以维持基本生活"},
    {"description", "家中老人突发脑梗住院，自付医疗费用较高"},
    {"question", "请问办理相关手续需要带哪些材料，可以在网上办理吗？"},
    {"last_employer", "北京市某商贸公司"},
};

/* A plausible value of a form field, by its definition. */
static json_t *value_of(loader *L, const json_t *d, int64_t file, int64_t t)
{
	const char *type = json_string_value(json_object_get(d, "type"));
	const char *code = json_string_value(json_object_get(d, "code"));
	if (!strcmp(type, "choice")) {
		const json_t *o = json_object_get(d, "options");
		return json_incref(
		    json_array_get(o, (size_t)below(&L->r, (int)json_array_size(o))));
	}
	if (!strcmp(type, "date")) {
		char b[16];
		return json_string(
		    svc_day_format(svc_local_day(t) - 200 - below(&L->r, 3000), b, sizeof b));
	}
	if (!strcmp(type, "attachment"))
		return gz_api_id_json(file);
	for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++)
		if (!strcmp(code, texts[i][0])) {
			char b[160];
			snprintf(b, sizeof b, texts[i][1], 1 + below(&L->r, 12),
			         1 + below(&L->r, 4), 1 + below(&L->r, 6), 1 + below(&L->r, 4));
			return json_string(b);
		}
	return json_string("详见所附材料");
}

/* The body of an application of service (its definitions in fields, materials) for
 * resident, with file as every file it needs. */
static json_t *application(loader *L, int64_t service, const json_t *fields,
                           const json_t *materials, int64_t resident, int64_t file, int64_t t)
{
	json_t *f = json_object(), *m = json_object();
	for (size_t i = 0; i < json_array_size(fields); i++) {
		const json_t *d = json_array_get(fields, i);
		if (json_is_true(json_object_get(d, "required")) || chance(&L->r, 50))
			json_object_set_new(f, json_string_value(json_object_get(d, "code")),
			                    value_of(L, d, file, t));
	}
	for (size_t i = 0; i < json_array_size(materials); i++) {
		const json_t *d = json_array_get(materials, i);
		if (json_is_true(json_object_get(d, "required")) || chance(&L->r, 40))
			json_object_set_new(m, json_string_value(json_object_get(d, "code")),
			                    json_pack("[o]", gz_api_id_json(file)));
	}
	return json_pack("{s:o,s:o,s:o,s:o}", "service_id", gz_api_id_json(service), "resident_id",
	                 gz_api_id_json(resident), "fields", f, "materials", m);
}

/* A step at time t, unless t is still to come (then the application stays where it is). */
static bool step(loader *L, int64_t app, const char *action, int64_t t, json_t *extra)
{
	if (t > L->now) {
		json_decref(extra);
		return false;
	}
	json_t *in = extra ? extra : json_object();
	json_object_set_new(in, "action", json_string(action));
	int rc = gz_services_step(L->db, L->op, app, in, t, NULL, &L->err);
	json_decref(in);
	if (rc < 0) {
		failed(L, action);
		return false;
	}
	L->steps++;
	return true;
}

static const char *const returns[] = {"身份证复印件不清晰，请重新上传",
                                      "房屋租赁合同已过期，请提供有效期内的合同",
                                      "缺少户口簿本人页", "照片不符合一寸免冠要求"};
static const char *const refusals[] = {"经核实不符合申请条件", "申请人户籍不在本市",
                                       "家庭人均收入高于当地标准"};

/* One application of service at time t0, run through its steps up to now. */
static void run_application(loader *L, int64_t service, int limit, const json_t *fields,
                            const json_t *materials, int64_t resident, int64_t t0)
{
	static const unsigned char pdf[] = "%PDF-1.4\n% demo scan\n1 0 obj <<>> endobj\n%%EOF\n";
	json_t *file = NULL;
	int64_t id = 0;
	if (gz_db_begin(L->db, &L->err) < 0) {
		failed(L, "begin");
		return;
	}
	file = svc_attachment_add(L->db, L->op, "application/pdf", pdf, sizeof pdf - 1,
	                          "扫描件.pdf", t0 - 600000, &L->err);
	if (!file || gz_db_commit(L->db, &L->err) < 0) {
		gz_db_rollback(L->db);
		json_decref(file);
		{
			failed(L, "file");
			return;
		}
	}
	int64_t fid = gz_api_parse_id(json_string_value(json_object_get(file, "id")));
	json_decref(file);
	json_t *in = application(L, service, fields, materials, resident, fid, t0);
	int rc = svc_apply(L->db, L->op, in, t0, NULL, &id, &L->err);
	json_decref(in);
	if (rc < 0) {
		failed(L, "apply");
		return;
	}
	L->apps++;
	int64_t t = t0;
	if (chance(&L->r, 12)) {
		if (!step(L, id, "return", t += 7200000,
		          json_pack("{s:[s]}", "missing", returns[below(&L->r, 4)])) ||
		    !step(L, id, "resubmit", t = later(&L->r, t, 3), NULL))
			return;
	}
	if (!step(L, id, "accept", t = later(&L->r, t, 1), NULL) ||
	    !step(L, id, "process", t = later(&L->r, t, 1), NULL))
		return;
	/* Of the last six weeks' applications some are still being handled: a few of them
	 * past their due date (the overdue list). */
	if (t0 > L->now - 42 * SVC_DAY_MS && chance(&L->r, 40))
		return;
	/* Most are decided within the time limit (working days ≈ 7/5 calendar days); about
	 * one in ten runs late. */
	int days = chance(&L->r, 88) ? below(&L->r, limit) : limit + 2 + below(&L->r, 4);
	bool refuse = chance(&L->r, 8);
	t = later(&L->r, t, days);
	if (refuse
	        ? !step(L, id, "refuse", t, json_pack("{s:s}", "reason", refusals[below(&L->r, 3)]))
	        : !step(L, id, "approve", t, NULL))
		return;
	if (!refuse && !step(L, id, "issue", t = later(&L->r, t, 1), NULL))
		return;
	if (!chance(&L->r, 65) || (t = later(&L->r, t, 5)) > L->now)
		return;
	static const int stars[] = {5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 4, 4, 4, 4, 4, 4, 3, 3, 2};
	json_t *rate = json_pack("{s:i}", "stars", stars[below(&L->r, 20)]);
	rc = svc_rate(L->db, L->op, id, rate, t, NULL, &L->err);
	json_decref(rate);
	if (rc < 0)
		failed(L, "rate");
}

/* The applications of community: APPS_PER_COMMUNITY residents taken in id order with
 * random gaps, each with a service of the mix, filed on a day of the past year. */
static void applications(loader *L, const char *community)
{
	int total = 0;
	for (size_t i = 0; i < sizeof mix / sizeof mix[0]; i++)
		total += mix[i].weight;
	gz_people_brief p = {0};
	int32_t today = svc_local_day(L->now);
	for (int k = 0; k < APPS_PER_COMMUNITY; k++) {
		int64_t after = p.id;
		for (int skip = below(&L->r, 40); skip >= 0; skip--) {
			int rc = gz_people_brief_next(L->db, community, after, &p, &L->err);
			if (rc < 0) {
				failed(L, "residents");
				return;
			}
			if (!rc && !(rc = gz_people_brief_next(L->db, community, 0, &p, &L->err)))
				return; /* nobody lives there */
			after = p.id;
		}
		int w = below(&L->r, total);
		size_t m = 0;
		while (w >= mix[m].weight)
			w -= mix[m++].weight;
		gz_stmt *st =
		    gz_db_prepare(L->db,
		                  "SELECT id, time_limit_days, fields, materials FROM services "
		                  "WHERE code = $1",
		                  &L->err);
		if (!st) {
			failed(L, "service");
			return;
		}
		gz_stmt_bind_str(st, 1, mix[m].code);
		if (gz_stmt_step(st, &L->err) != GZ_ROW) {
			gz_stmt_finish(st);
			continue;
		}
		int64_t service = gz_stmt_int64(st, 0);
		int limit = (int)gz_stmt_int64(st, 1);
		json_t *fields = svc_json_column(st, 2), *materials = svc_json_column(st, 3);
		gz_stmt_finish(st);
		run_application(L, service, limit, fields, materials, p.id,
		                office_time(&L->r, today - 365 + below(&L->r, 366)));
		json_decref(fields);
		json_decref(materials);
	}
}

/* ---------------------------------------------------------------- venues */

static json_t *hours(int from_day, int to_day, const char *open, const char *close)
{
	json_t *a = json_array();
	for (int d = from_day; d <= to_day; d++)
		json_array_append_new(
		    a, json_pack("{s:i,s:s,s:s}", "weekday", d, "open", open, "close", close));
	return a;
}

static int64_t add_venue(loader *L, json_t *in)
{
	json_t *out = NULL;
	int rc = gz_services_venue_create(L->db, L->op, in, &out, &L->err);
	json_decref(in);
	int64_t id = rc < 0 ? 0 : gz_api_parse_id(json_string_value(json_object_get(out, "id")));
	json_decref(out);
	if (rc < 0)
		failed(L, "venue");
	else
		L->venues++;
	return id;
}

static const char *const purposes[] = {
    "楼门议事会",     "老年合唱团排练", "党员学习日",     "亲子读书会", "书法兴趣班",
    "居民议事协商会", "志愿者培训",     "社区篮球友谊赛", "健康讲座",   "垃圾分类宣传活动"};

/* About one booking every other week of venue over the past year and the next two weeks, inside
 * its opening hours and (for a unit's venue) its agreement's period. */
static void bookings(loader *L, int64_t venue, int capacity, int32_t from_day, int32_t to_day,
                     const svc_hours *h)
{
	int32_t today = svc_local_day(L->now);
	if (from_day < today - 365)
		from_day = today - 365;
	if (to_day > today + 14)
		to_day = today + 14;
	for (int32_t week = from_day; week + 7 <= to_day; week += 7) {
		int nb = chance(&L->r, 45) + chance(&L->r, 15);
		for (int b = 0; b < nb; b++) {
			int32_t day = week + below(&L->r, 7);
			int w = svc_weekday(day);
			if (h->open[w] >= h->close[w])
				continue;
			int slots = (h->close[w] - h->open[w]) / SVC_SLOT_MIN;
			int len = 2 + below(&L->r, 3); /* 1–2 hours */
			if (len > slots)
				continue;
			int64_t start = svc_day_start_ms(day) +
			                ((int64_t)h->open[w] +
			                 (int64_t)below(&L->r, slots - len + 1) * SVC_SLOT_MIN) *
			                    60000;
			int64_t end = start + len * SVC_SLOT_MS;
			int64_t made = start - (1 + below(&L->r, 10)) * SVC_DAY_MS;
			if (made > L->now)
				continue;
			json_t *in = json_pack(
			    "{s:o,s:o,s:o,s:s,s:i}", "venue_id", gz_api_id_json(venue), "start_at",
			    gz_api_time_json(start), "end_at", gz_api_time_json(end), "purpose",
			    purposes[below(&L->r, 10)], "attendees",
			    5 + below(&L->r, capacity > 5 ? capacity - 4 : 1));
			json_t *out = NULL;
			int rc = svc_book(L->db, L->op, in, made, &out, &L->err);
			json_decref(in);
			if (rc < 0) {
				/* Two random bookings of one time: the second is refused, as it
				 * must be. */
				if (!strcmp(L->err.code, "booking_overlap"))
					gz_err_clear(&L->err);
				else
					failed(L, "booking");
				continue;
			}
			int64_t id = gz_api_parse_id(json_string_value(json_object_get(out, "id")));
			json_decref(out);
			L->bookings++;
			int64_t t = made + 3600000;
			if (t > L->now)
				continue;
			int fate = below(&L->r, 100);
			json_t *act = fate < 5    ? json_pack("{s:s,s:s}", "action", "reject",
			                                      "reason", "当天场地另有安排")
			              : fate < 10 ? json_pack("{s:s}", "action", "cancel")
			                          : json_pack("{s:s}", "action", "approve");
			rc = svc_booking_step(L->db, L->op, id, act, t, NULL, &L->err);
			json_decref(act);
			if (rc < 0) {
				failed(L, "booking step");
				continue;
			}
			if (fate >= 10 && start - 600000 <= L->now && chance(&L->r, 85)) {
				act = json_pack("{s:s}", "action", "check_in");
				rc = svc_booking_step(L->db, L->op, id, act, start - 600000, NULL,
				                      &L->err);
				json_decref(act);
				if (rc < 0)
					failed(L, "check-in");
			}
		}
	}
}

static void venues(loader *L, const char *community, const char *name)
{
	int32_t today = svc_local_day(L->now);
	struct {
		const char *name;
		int cap, max;
		json_t *hours;
	} rooms[] = {
	    {"党群服务中心多功能厅", 80, 240, hours(1, 7, "08:30", "21:00")},
	    {"党群服务中心会议室", 20, 180, hours(1, 5, "08:30", "17:30")},
	    {"党群服务中心活动室", 30, 180, hours(1, 7, "09:00", "20:00")},
	};
	for (size_t i = 0; i < sizeof rooms / sizeof rooms[0]; i++) {
		svc_hours h;
		gz_err e;
		gz_err_clear(&e);
		svc_hours_parse(rooms[i].hours, &h, "opening_hours", &e);
		int64_t id = add_venue(
		    L, json_pack("{s:s,s:s,s:s,s:i,s:O,s:i,s:s,s:s}", "name", rooms[i].name, "kind",
		                 "room", "community_code", community, "capacity", rooms[i].cap,
		                 "opening_hours", rooms[i].hours, "max_minutes", rooms[i].max,
		                 "address", name, "rules", "活动结束后请恢复桌椅、关闭门窗电源"));
		if (id)
			bookings(L, id, rooms[i].cap, today - 365, today + 14, &h);
		json_decref(rooms[i].hours);
	}
	gz_org_agreement_brief ag[64];
	int n = gz_org_agreements_of(L->db, community, ag, 64, &L->err);
	if (n < 0) {
		failed(L, "agreements");
		return;
	}
	for (int i = 0, made = 0; i < n && made < AGREEMENT_VENUES_MAX; i++) {
		gz_org_brief org;
		if (!ag[i].active || ag[i].end_at < L->now - 180 * SVC_DAY_MS ||
		    gz_org_brief_get(L->db, ag[i].unit_org_id, &org, &L->err) != 1)
			continue;
		json_t *h = hours(6, 7, "09:00", "17:00");
		json_array_append_new(
		    h, json_pack("{s:i,s:s,s:s}", "weekday", 3, "open", "18:30", "close", "21:00"));
		svc_hours sh;
		gz_err e;
		gz_err_clear(&e);
		svc_hours_parse(h, &sh, "opening_hours", &e);
		char vname[128];
		snprintf(vname, sizeof vname, "%.100s%s", org.name, made ? "会议室" : "活动场地");
		int64_t id = add_venue(
		    L, json_pack("{s:s,s:s,s:s,s:o,s:o,s:i,s:O,s:i,s:s}", "name", vname, "kind",
		                 "venue", "community_code", community, "owner_org_id",
		                 gz_api_id_json(org.id), "agreement_id", gz_api_id_json(ag[i].id),
		                 "capacity", 100, "opening_hours", h, "max_minutes", 180, "rules",
		                 "按共建协议向社区居民开放，请爱护场地设施"));
		json_decref(h);
		if (id) {
			made++;
			bookings(L, id, 100, svc_local_day(ag[i].start_at) + 1,
			         svc_local_day(ag[i].end_at) - 1, &sh);
		}
	}
}

int gz_services_demo(gz_db *db, const gz_actor *op, const char *const *communities,
                     const char *const *names, int n, uint64_t seed, int64_t now, json_t **summary,
                     gz_err *err)
{
	loader L = {.db = db, .op = op, .now = now, .r = {seed ^ 0x5EC5E5D1CE5ULL}};
	gz_err_clear(&L.err);
	for (int i = 0; i < n; i++) {
		venues(&L, communities[i], names[i]);
		applications(&L, communities[i]);
	}
	if (L.failed)
		return gz_err_set(err, GZ_EINTERNAL, "demo_failed", "%d 条演示数据写入失败",
		                  L.failed);
	*summary = json_pack("{s:i,s:i,s:i,s:i}", "applications", L.apps, "steps", L.steps,
	                     "venues", L.venues, "bookings", L.bookings);
	return 0;
}
