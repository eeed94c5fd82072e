/* Rate limits in the database: a fixed-window counter per key (rate_limits, see
 * 0007_rate_limits.sql) and the per-account limit on comparing personal data against
 * the register. Kept in the database rather than in memory so that several processes
 * sharing one PostgreSQL database enforce one limit. */
#include "api/ratelimit.h"
#include "api/auth.h"
#include "core/time.h"
#include "domain/policy.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PII_MAX_DEFAULT      20000
#define PII_WINDOW_S_DEFAULT 3600

/* The UPSERT adds $3 when the stored window has closed ($4 = now: start afresh) or has
 * room ($5 = max(n, 1) more within $6 = max). When neither holds, DO UPDATE's WHERE
 * leaves the row alone and RETURNING gives no row: refused. Row-locked on PostgreSQL, a
 * single write on SQLite, so concurrent takes never both pass. */
static const char *sql_take =
    "INSERT INTO rate_limits (key, window_end, count) VALUES ($1, $2, $3) "
    "ON CONFLICT (key) DO UPDATE SET "
    "count = CASE WHEN rate_limits.window_end <= $4 THEN $3 ELSE rate_limits.count + $3 END, "
    "window_end = CASE WHEN rate_limits.window_end <= $4 THEN $2 ELSE rate_limits.window_end "
    "END "
    "WHERE rate_limits.window_end <= $4 OR rate_limits.count + $5 <= $6 "
    "RETURNING count";

int gz_ratelimit_take(gz_db *db, const char *key, int64_t n, int64_t max, int64_t window_ms,
                      int64_t *retry_ms, gz_err *err)
{
	int64_t now = gz_time_now_ms(), need = n > 0 ? n : 1;
	if (retry_ms)
		*retry_ms = window_ms;
	if (need > max)
		return 1; /* never fits, whatever the window holds */
	gz_stmt *st = gz_db_prepare(db, sql_take, err);
	if (!st)
		return -1;
	gz_stmt_bind_str(st, 1, key);
	gz_stmt_bind_int64(st, 2, now + window_ms);
	gz_stmt_bind_int64(st, 3, n);
	gz_stmt_bind_int64(st, 4, now);
	gz_stmt_bind_int64(st, 5, need);
	gz_stmt_bind_int64(st, 6, max);
	int rc = gz_stmt_step(st, err);
	int64_t count = rc == GZ_ROW ? gz_stmt_int64(st, 0) : -1;
	gz_stmt_finish(st);
	if (rc < 0)
		return -1;
	if (rc == GZ_ROW) {
		if (count == n) {
			/* A window just started for this key: drop the rows of closed ones
			 * (indexed), so the table holds only keys active now. */
			st = gz_db_prepare(db, "DELETE FROM rate_limits WHERE window_end <= $1",
			                   err);
			if (!st)
				return -1;
			gz_stmt_bind_int64(st, 1, now);
			rc = gz_stmt_step(st, err);
			gz_stmt_finish(st);
			if (rc < 0)
				return -1;
		}
		return 0;
	}
	st = gz_db_prepare(db, "SELECT window_end FROM rate_limits WHERE key = $1", err);
	if (!st)
		return -1;
	gz_stmt_bind_str(st, 1, key);
	rc = gz_stmt_step(st, err);
	if (rc == GZ_ROW && retry_ms && gz_stmt_int64(st, 0) > now)
		*retry_ms = gz_stmt_int64(st, 0) - now;
	gz_stmt_finish(st);
	return rc < 0 ? -1 : 1;
}

static int64_t env_positive(const char *name, int64_t dflt)
{
	const char *v = getenv(name);
	if (!v || !*v)
		return dflt;
	char *end;
	long long x = strtoll(v, &end, 10);
	return *end || x <= 0 ? dflt : (int64_t)x;
}

int64_t gz_ratelimit_pii_max(void)
{
	return env_positive("GONGZHI_PII_LOOKUP_LIMIT", PII_MAX_DEFAULT);
}

int64_t gz_ratelimit_pii_window_ms(void)
{
	return env_positive("GONGZHI_PII_LOOKUP_WINDOW_S", PII_WINDOW_S_DEFAULT) * 1000;
}

static int gz_ratelimit_pii_audit(const gz_actor *a, gz_db *db, const char *what, int64_t n,
                                  gz_err *err)
{
	char uid[24], scope[GZ_SCOPE_MAX];
	snprintf(uid, sizeof uid, "%lld", a->user_id);
	gz_actor_scope(a, scope, sizeof scope);
	json_t *d = json_pack("{s:s,s:I,s:I,s:I}", "what", what, "values", (json_int_t)n, "limit",
	                      (json_int_t)gz_ratelimit_pii_max(), "window_s",
	                      (json_int_t)(gz_ratelimit_pii_window_ms() / 1000));
	int rc = gz_db_begin(db, err) < 0 ||
	                 gz_audit(a, db, "pii.rate_limited", "user", uid, scope, d, err) < 0 ||
	                 gz_db_commit(db, err) < 0
	             ? -1
	             : 0;
	json_decref(d);
	if (rc < 0)
		gz_db_rollback(db);
	return rc;
}

int gz_ratelimit_pii(const gz_actor *a, gz_db *db, const char *what, int64_t n, bool in_tx,
                     gz_err *err)
{
	/* The operator (the command line) loads whole registers by design: never limited. */
	if (gz_actor_is_operator(a))
		return 0;
	char key[40];
	snprintf(key, sizeof key, "pii:u:%lld", a->user_id);
	int64_t retry = 0;
	int rc = gz_ratelimit_take(db, key, n, gz_ratelimit_pii_max(), gz_ratelimit_pii_window_ms(),
	                           &retry, err);
	if (rc != 1)
		return rc;
	if (in_tx)
		gz_db_rollback(db);
	if (gz_ratelimit_pii_audit(a, db, what, n, err) < 0)
		return -1;
	char ra[24];
	snprintf(ra, sizeof ra, "%lld", (long long)((retry + 999) / 1000));
	if (a->req)
		gz_reply_header(a->req, "Retry-After", ra);
	if (n > gz_ratelimit_pii_max()) /* never fits: waiting does not help */
		gz_err_set(err, GZ_ETOOMANY, "too_many_lookups",
		           "一次比对 %lld 个身份证号或手机号，超过每个账号的上限 %lld：请分批提交，"
		           "大批量数据请联系管理员用命令行导入",
		           (long long)n, (long long)gz_ratelimit_pii_max());
	else
		gz_err_set(err, GZ_ETOOMANY, "too_many_lookups",
		           "按身份证号或手机号比对的次数已达上限，请 %s 秒后再试", ra);
	return 1;
}
