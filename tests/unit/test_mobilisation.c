/* Unit tests for modules/mobilisation/rules.c: hours credited (late check-in, early
 * check-out, missing check-out closed by the organiser, across midnight), the rotating
 * check-in code (RFC 6238 vectors, window, expiry, single use), the waitlist order,
 * points for minutes, the ledger's double entry and never-negative balances, the ledger
 * check, redemption checks and the certificate number. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/time.h"
#include "modules/mobilisation/rules.h"

#include <sodium.h>
#include <string.h>

#define MIN  MOB_MINUTE_MS
#define HOUR MOB_HOUR_MS

/* 2026-06-01T09:00:00+08:00 = 01:00Z */
static int64_t t_at(const char *rfc3339)
{
	int64_t ms = 0;
	assert_int_equal(gz_time_parse_rfc3339(rfc3339, &ms), 0);
	return ms;
}

/* ---------------------------------------------------------------- hours */

static void test_hours_on_time_is_the_whole_schedule(void **state)
{
	(void)state;
	gz_err err;
	int64_t s = t_at("2026-06-01T09:00:00+08:00"), e = s + 2 * HOUR, m = -1;
	assert_int_equal(mob_hours_minutes(s, e, s - 10 * MIN, e + 15 * MIN, &m, &err), 0);
	assert_int_equal(m, 120); /* early arrival and late departure earn nothing extra */
}

static void test_hours_late_check_in_counts_from_arrival(void **state)
{
	(void)state;
	gz_err err;
	int64_t s = t_at("2026-06-01T09:00:00+08:00"), e = s + 2 * HOUR, m = -1;
	assert_int_equal(mob_hours_minutes(s, e, s + 25 * MIN, e, &m, &err), 0);
	assert_int_equal(m, 95);
}

static void test_hours_early_check_out_counts_until_departure(void **state)
{
	(void)state;
	gz_err err;
	int64_t s = t_at("2026-06-01T09:00:00+08:00"), e = s + 3 * HOUR, m = -1;
	assert_int_equal(mob_hours_minutes(s, e, s, s + 70 * MIN, &m, &err), 0);
	assert_int_equal(m, 70);
	/* late and early together */
	assert_int_equal(mob_hours_minutes(s, e, s + 30 * MIN, e - 45 * MIN, &m, &err), 0);
	assert_int_equal(m, 105);
}

static void test_hours_round_down_to_whole_minutes(void **state)
{
	(void)state;
	gz_err err;
	int64_t s = t_at("2026-06-01T09:00:00+08:00"), e = s + HOUR, m = -1;
	assert_int_equal(mob_hours_minutes(s, e, s + 59999, e, &m, &err), 0);
	assert_int_equal(m, 59);
	assert_int_equal(mob_hours_minutes(s, e, s, s + 59999, &m, &err), 0);
	assert_int_equal(m, 0);
}

static void test_hours_outside_the_schedule_earn_nothing(void **state)
{
	(void)state;
	gz_err err;
	int64_t s = t_at("2026-06-01T09:00:00+08:00"), e = s + HOUR, m = -1;
	assert_int_equal(mob_hours_minutes(s, e, s - 2 * HOUR, s - HOUR, &m, &err), 0);
	assert_int_equal(m, 0);
	assert_int_equal(mob_hours_minutes(s, e, e + MIN, e + HOUR, &m, &err), 0);
	assert_int_equal(m, 0);
}

static void test_hours_activity_across_midnight(void **state)
{
	(void)state;
	gz_err err;
	/* 夜间巡逻 22:00 – 01:30 Beijing time, checked in 22:10, out 01:00 next day */
	int64_t s = t_at("2026-12-31T22:00:00+08:00"), e = t_at("2027-01-01T01:30:00+08:00");
	int64_t in = t_at("2026-12-31T22:10:00+08:00"), out = t_at("2027-01-01T01:00:00+08:00");
	int64_t m = -1;
	assert_int_equal(mob_hours_minutes(s, e, in, out, &m, &err), 0);
	assert_int_equal(m, 170);
	/* the whole night */
	assert_int_equal(mob_hours_minutes(s, e, s, e, &m, &err), 0);
	assert_int_equal(m, 210);
}

static void test_hours_missing_check_out_closed_by_the_organiser(void **state)
{
	(void)state;
	gz_err err;
	int64_t s = t_at("2026-06-01T09:00:00+08:00"), e = s + 2 * HOUR;
	int64_t in = s + 5 * MIN, out = 0, m = -1;
	/* no time given: the scheduled end */
	assert_int_equal(mob_close_checkout(e, in, 0, e + HOUR, &out, &err), 0);
	assert_int_equal(out, e);
	assert_int_equal(mob_hours_minutes(s, e, in, out, &m, &err), 0);
	assert_int_equal(m, 115);
	/* the time the organiser saw them leave */
	assert_int_equal(mob_close_checkout(e, in, s + HOUR, e + HOUR, &out, &err), 0);
	assert_int_equal(mob_hours_minutes(s, e, in, out, &m, &err), 0);
	assert_int_equal(m, 55);
	/* not before the check-in, not in the future */
	gz_err_clear(&err);
	assert_int_equal(mob_close_checkout(e, in, in - MIN, e + HOUR, &out, &err), -1);
	assert_int_equal(err.kind, GZ_EINVALID);
	assert_string_equal(err.fields[0].name, "at");
	gz_err_clear(&err);
	assert_int_equal(mob_close_checkout(e, in, 0, e - HOUR, &out, &err), -1);
	assert_string_equal(err.fields[0].name, "at");
}

static void test_hours_refuse_reversed_times(void **state)
{
	(void)state;
	gz_err err;
	int64_t m = 7;
	gz_err_clear(&err);
	assert_int_equal(mob_hours_minutes(10 * HOUR, 9 * HOUR, 0, 1, &m, &err), -1);
	assert_string_equal(err.code, "invalid_times");
	gz_err_clear(&err);
	assert_int_equal(mob_hours_minutes(0, HOUR, 30 * MIN, 20 * MIN, &m, &err), -1);
	assert_string_equal(err.code, "invalid_times");
	assert_int_equal(m, 7);
}

static void test_points_for_minutes_round_down(void **state)
{
	(void)state;
	assert_int_equal(mob_points_for_minutes(60, 1), 1);
	assert_int_equal(mob_points_for_minutes(90, 1), 1);
	assert_int_equal(mob_points_for_minutes(119, 1), 1);
	assert_int_equal(mob_points_for_minutes(120, 1), 2);
	assert_int_equal(mob_points_for_minutes(90, 2), 3);
	assert_int_equal(mob_points_for_minutes(45, 10), 7);
	assert_int_equal(mob_points_for_minutes(0, 5), 0);
	assert_int_equal(mob_points_for_minutes(60, 0), 0);
	assert_int_equal(mob_points_for_minutes(-60, 1), 0);
}

/* ---------------------------------------------------------------- check-in code */

/* RFC 6238 appendix B, HMAC-SHA-256, seed "12345678901234567890123456789012", 30 s steps:
 * 8-digit values; ours are the same number modulo 10^6. */
static void test_code_matches_rfc6238_sha256_vectors(void **state)
{
	(void)state;
	uint8_t secret[MOB_CODE_SECRET_BYTES];
	memcpy(secret, "12345678901234567890123456789012", 32);
	static const struct {
		int64_t t;
		uint32_t totp8;
	} v[] = {{59, 46119246},         {1111111109, 68084774}, {1111111111, 67062674},
	         {1234567890, 91819424}, {2000000000, 90698825}, {20000000000LL, 77737706}};
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		int64_t step = mob_code_step(v[i].t * 1000);
		assert_int_equal(step, v[i].t / 30);
		assert_int_equal(mob_code_at(secret, step), v[i].totp8 % 1000000u);
	}
	char out[7];
	mob_code_format(42, out);
	assert_string_equal(out, "000042");
}

static void secret_of(uint8_t secret[MOB_CODE_SECRET_BYTES], uint8_t seed)
{
	for (int i = 0; i < MOB_CODE_SECRET_BYTES; i++)
		secret[i] = (uint8_t)(seed * 31 + i);
}

static void code_text(const uint8_t *secret, int64_t step, char out[7])
{
	mob_code_format(mob_code_at(secret, step), out);
}

static void test_code_current_and_previous_step_accepted(void **state)
{
	(void)state;
	uint8_t sec[MOB_CODE_SECRET_BYTES];
	secret_of(sec, 1);
	int64_t s = t_at("2026-06-01T09:00:00+08:00"), e = s + 2 * HOUR, now = s + 7 * MIN + 5000;
	int64_t cur = mob_code_step(now), step = 0;
	char c[7];
	gz_err err;
	code_text(sec, cur, c);
	gz_err_clear(&err);
	assert_int_equal(mob_code_verify(sec, s, e, now, c, 0, &step, &err), 0);
	assert_int_equal(step, cur);
	code_text(sec, cur - 1, c);
	assert_int_equal(mob_code_verify(sec, s, e, now, c, 0, &step, &err), 0);
	assert_int_equal(step, cur - 1);
}

static void test_code_wrong_expired_and_malformed(void **state)
{
	(void)state;
	uint8_t sec[MOB_CODE_SECRET_BYTES], other[MOB_CODE_SECRET_BYTES];
	secret_of(sec, 2);
	secret_of(other, 3);
	int64_t s = t_at("2026-06-01T09:00:00+08:00"), e = s + 2 * HOUR, now = s + HOUR;
	int64_t cur = mob_code_step(now), step = 0;
	char c[7];
	gz_err err;
	char mine[7], prev[7];
	code_text(sec, cur, mine);
	code_text(sec, cur - 1, prev);
	/* three steps old: expired (unless it collides with a current one, 2 in a million) */
	code_text(sec, cur - 3, c);
	if (strcmp(c, mine) && strcmp(c, prev)) {
		gz_err_clear(&err);
		assert_int_equal(mob_code_verify(sec, s, e, now, c, 0, &step, &err), -1);
		assert_string_equal(err.code, "code_expired");
		assert_int_equal(err.kind, GZ_EINVALID);
	}
	/* another activity's code: wrong (unless it collides) */
	code_text(other, cur, c);
	if (strcmp(c, mine) && strcmp(c, prev)) {
		gz_err_clear(&err);
		assert_int_equal(mob_code_verify(sec, s, e, now, c, 0, &step, &err), -1);
		assert_true(!strcmp(err.code, "code_wrong") || !strcmp(err.code, "code_expired"));
	}
	const char *bad[] = {"", "12345", "1234567", "12a456", " 123456", "１２３４５６", NULL};
	for (int i = 0; i < 6; i++) {
		gz_err_clear(&err);
		assert_int_equal(mob_code_verify(sec, s, e, now, bad[i], 0, &step, &err), -1);
		assert_string_equal(err.code, "invalid_fields");
		assert_string_equal(err.fields[0].name, "code");
	}
	gz_err_clear(&err);
	assert_int_equal(mob_code_verify(sec, s, e, now, NULL, 0, &step, &err), -1);
	assert_string_equal(err.code, "invalid_fields");
}

static void test_code_only_within_the_window_around_the_schedule(void **state)
{
	(void)state;
	uint8_t sec[MOB_CODE_SECRET_BYTES];
	secret_of(sec, 4);
	int64_t s = t_at("2026-06-01T09:00:00+08:00"), e = s + 2 * HOUR, step = 0;
	char c[7];
	gz_err err;
	int64_t times_ok[] = {s - MOB_CODE_WINDOW_MS, s, e, e + MOB_CODE_WINDOW_MS};
	for (int i = 0; i < 4; i++) {
		code_text(sec, mob_code_step(times_ok[i]), c);
		gz_err_clear(&err);
		assert_int_equal(mob_code_verify(sec, s, e, times_ok[i], c, 0, &step, &err), 0);
	}
	int64_t times_bad[] = {s - MOB_CODE_WINDOW_MS - 1, e + MOB_CODE_WINDOW_MS + 1,
	                       s - MOB_DAY_MS};
	for (int i = 0; i < 3; i++) {
		code_text(sec, mob_code_step(times_bad[i]), c);
		gz_err_clear(&err);
		assert_int_equal(mob_code_verify(sec, s, e, times_bad[i], c, 0, &step, &err), -1);
		assert_string_equal(err.code, "outside_window");
	}
}

static void test_code_single_use_per_person(void **state)
{
	(void)state;
	uint8_t sec[MOB_CODE_SECRET_BYTES];
	secret_of(sec, 5);
	int64_t s = t_at("2026-06-01T09:00:00+08:00"), e = s + 2 * HOUR, now = s;
	int64_t step = 0, last = 0;
	char c[7];
	gz_err err;
	code_text(sec, mob_code_step(now), c);
	gz_err_clear(&err);
	assert_int_equal(mob_code_verify(sec, s, e, now, c, last, &step, &err), 0);
	last = step;
	/* the same code again (to check out at once): used */
	gz_err_clear(&err);
	assert_int_equal(mob_code_verify(sec, s, e, now + 1000, c, last, &step, &err), -1);
	assert_string_equal(err.code, "code_used");
	assert_int_equal(err.kind, GZ_ECONFLICT);
	/* the previous step's code is older than the one used: used too */
	char prev[7];
	code_text(sec, mob_code_step(now) - 1, prev);
	if (strcmp(prev, c)) {
		gz_err_clear(&err);
		assert_int_equal(mob_code_verify(sec, s, e, now, prev, last, &step, &err), -1);
		assert_string_equal(err.code, "code_used");
	}
	/* the next code, later: accepted */
	int64_t later = now + 2 * HOUR;
	code_text(sec, mob_code_step(later), c);
	gz_err_clear(&err);
	assert_int_equal(mob_code_verify(sec, s, e, later, c, last, &step, &err), 0);
	assert_true(step > last);
	/* another person (last 0) may use the first code */
	code_text(sec, mob_code_step(now), c);
	assert_int_equal(mob_code_verify(sec, s, e, now, c, 0, &step, &err), 0);
}

/* ---------------------------------------------------------------- waitlist */

static void test_signup_new_status_waitlists_beyond_the_slots(void **state)
{
	(void)state;
	assert_int_equal(mob_signup_new_status(3, 0), MOB_SIGNUP_CONFIRMED);
	assert_int_equal(mob_signup_new_status(3, 2), MOB_SIGNUP_CONFIRMED);
	assert_int_equal(mob_signup_new_status(3, 3), MOB_SIGNUP_WAITLISTED);
	assert_int_equal(mob_signup_new_status(3, 4), MOB_SIGNUP_WAITLISTED);
	assert_int_equal(mob_signup_new_status(0, 0), MOB_SIGNUP_WAITLISTED);
	for (int i = 0; i < MOB_SIGNUP__COUNT; i++)
		assert_int_equal(mob_signup_status_parse(mob_signup_status_code(i)), i);
	assert_int_equal(mob_signup_status_parse("nope"), -1);
	assert_string_equal(mob_signup_status_label(MOB_SIGNUP_WAITLISTED), "候补");
}

static void test_waitlist_promotes_in_sign_up_order(void **state)
{
	(void)state;
	int64_t waiting[] = {17, 9, 30, 12};
	int p[4] = {-1, -1, -1, -1};
	/* one slot freed: the earliest (9) */
	assert_int_equal(mob_waitlist_promote(5, 4, waiting, 4, p), 1);
	assert_int_equal(waiting[p[0]], 9);
	/* three slots freed: 9, 12, 17 in that order */
	assert_int_equal(mob_waitlist_promote(5, 2, waiting, 4, p), 3);
	assert_int_equal(waiting[p[0]], 9);
	assert_int_equal(waiting[p[1]], 12);
	assert_int_equal(waiting[p[2]], 17);
	/* more slots than waiting: all of them */
	assert_int_equal(mob_waitlist_promote(10, 0, waiting, 4, p), 4);
	assert_int_equal(waiting[p[3]], 30);
	/* none free */
	assert_int_equal(mob_waitlist_promote(5, 5, waiting, 4, p), 0);
	assert_int_equal(mob_waitlist_promote(5, 6, waiting, 4, p), 0);
	assert_int_equal(mob_waitlist_promote(5, 0, waiting, 0, p), 0);
}

/* ---------------------------------------------------------------- ledger */

static void test_movement_must_balance(void **state)
{
	(void)state;
	gz_err err;
	mob_leg ok[] = {{1, -5}, {2, 5}};
	assert_int_equal(mob_movement_check(ok, 2, &err), 0);
	mob_leg three[] = {{1, -5}, {2, 3}, {3, 2}};
	assert_int_equal(mob_movement_check(three, 3, &err), 0);
	mob_leg unbalanced[] = {{1, -5}, {2, 4}};
	mob_leg single[] = {{1, 0}};
	mob_leg zero[] = {{1, 0}, {2, 0}};
	mob_leg twice[] = {{1, -5}, {1, 5}};
	mob_leg huge[] = {{1, -MOB_POINTS_MAX - 1}, {2, MOB_POINTS_MAX + 1}};
	const mob_leg *bad[] = {unbalanced, single, zero, twice, huge};
	int n[] = {2, 1, 2, 2, 2};
	for (int i = 0; i < 5; i++) {
		gz_err_clear(&err);
		assert_int_equal(mob_movement_check(bad[i], n[i], &err), -1);
		assert_string_equal(err.code, "ledger_unbalanced");
	}
}

static void test_movement_never_takes_a_member_below_zero(void **state)
{
	(void)state;
	gz_err err;
	/* a redemption of 8 from a member holding 10 into a store */
	mob_leg legs[] = {{1, -8}, {2, 8}};
	int64_t before[] = {10, 0}, after[2] = {0, 0};
	bool neg[] = {false, false};
	assert_int_equal(mob_movement_apply(legs, 2, before, neg, after, &err), 0);
	assert_int_equal(after[0], 2);
	assert_int_equal(after[1], 8);
	/* again with 2 left: refused, nothing written */
	int64_t before2[] = {2, 8}, after2[2] = {-1, -1};
	gz_err_clear(&err);
	assert_int_equal(mob_movement_apply(legs, 2, before2, neg, after2, &err), -1);
	assert_string_equal(err.code, "insufficient_points");
	assert_int_equal(err.kind, GZ_ECONFLICT);
	/* exactly the balance: allowed, to zero */
	int64_t before3[] = {8, 0};
	assert_int_equal(mob_movement_apply(legs, 2, before3, neg, after, &err), 0);
	assert_int_equal(after[0], 0);
	/* the issuer may go negative: earning 3 points */
	mob_leg earn[] = {{9, -3}, {1, 3}};
	int64_t b4[] = {0, 0};
	bool neg4[] = {mob_acct_may_go_negative(MOB_ACCT_ISSUER),
	               mob_acct_may_go_negative(MOB_ACCT_MEMBER)};
	assert_int_equal(mob_movement_apply(earn, 2, b4, neg4, after, &err), 0);
	assert_int_equal(after[0], -3);
	assert_int_equal(after[1], 3);
	assert_false(mob_acct_may_go_negative(MOB_ACCT_STORE));
	for (int k = 0; k < MOB_ACCT__COUNT; k++)
		assert_int_equal(mob_acct_kind_parse(mob_acct_kind_code(k)), k);
}

/* A small ledger: issuer 1, members 2 and 3, store 4.
 *   m1: 1 -10 / 2 +10      m2: 1 -5 / 3 +5      m3: 2 -4 / 4 +4
 * Entries in (account, id) order with their running balances. */
typedef struct {
	int64_t account, id, movement, amount, after;
} entry;

static const entry ledger[] = {
    {1, 1, 1, -10, -10}, {1, 3, 2, -5, -15}, {2, 2, 1, 10, 10},
    {2, 5, 3, -4, 6},    {3, 4, 2, 5, 5},    {4, 6, 3, 4, 4},
};

static void feed(mob_ledger_check *c, const entry *e, int n, const int64_t *balances)
{
	mob_check_init(c);
	int k = 0;
	for (int64_t acct = 1; acct <= 4; acct++) {
		bool neg = acct == 1;
		for (; k < n && e[k].account == acct; k++)
			mob_check_entry(c, e[k].account, e[k].id, e[k].amount, e[k].after, neg);
		mob_check_account(c, acct, balances[acct - 1], neg);
	}
	for (int64_t m = 1; m <= 3; m++) {
		int64_t cnt = 0, sum = 0;
		for (int i = 0; i < n; i++)
			if (e[i].movement == m) {
				cnt++;
				sum += e[i].amount;
			}
		mob_check_movement(c, m, cnt, sum);
	}
}

static void test_ledger_check_passes_a_sound_ledger(void **state)
{
	(void)state;
	mob_ledger_check c;
	int64_t bal[] = {-15, 6, 5, 4};
	feed(&c, ledger, 6, bal);
	assert_true(mob_check_ok(&c));
	assert_int_equal(c.entries, 6);
	assert_int_equal(c.accounts, 4);
	assert_int_equal(c.movements, 3);
	assert_int_equal(c.total, 0);
}

static void test_ledger_check_finds_every_breach(void **state)
{
	(void)state;
	mob_ledger_check c;
	/* a stored balance that disagrees with the entries */
	int64_t bal[] = {-15, 7, 5, 4};
	feed(&c, ledger, 6, bal);
	assert_false(mob_check_ok(&c));
	assert_int_equal(c.balance_mismatch, 1);
	assert_int_equal(c.examples[1][0], 2);

	/* an entry changed: its movement no longer sums to zero, the totals neither */
	entry e[6];
	memcpy(e, ledger, sizeof e);
	e[4].amount = 6;
	e[4].after = 6;
	int64_t bal2[] = {-15, 6, 6, 4};
	feed(&c, e, 6, bal2);
	assert_false(mob_check_ok(&c));
	assert_int_equal(c.unbalanced, 1);
	assert_int_equal(c.examples[0][0], 2);
	assert_int_equal(c.total, 1);

	/* a wrong running balance */
	memcpy(e, ledger, sizeof e);
	e[3].after = 5;
	int64_t bal3[] = {-15, 6, 5, 4};
	feed(&c, e, 6, bal3);
	assert_int_equal(c.running_mismatch, 1);
	assert_int_equal(c.examples[2][0], 5);

	/* a member that went below zero at some point, even if back above now */
	entry neg[] = {{1, 1, 1, -10, -10}, {2, 2, 2, -4, -4}, {2, 3, 1, 10, 6}, {4, 4, 2, 4, 4}};
	int64_t bal4[] = {-10, 6, 0, 4};
	feed(&c, neg, 4, bal4);
	assert_int_equal(c.negative, 1);
	assert_int_equal(c.examples[3][0], 2);
	assert_false(mob_check_ok(&c));

	/* a movement with a single entry */
	mob_check_init(&c);
	mob_check_movement(&c, 9, 1, 0);
	assert_int_equal(c.unbalanced, 1);
}

/* Random movements applied through mob_movement_apply keep every invariant. */
static void test_ledger_random_movements_keep_the_invariants(void **state)
{
	(void)state;
	enum { ACCTS = 6, MOVES = 2000 };
	int64_t bal[ACCTS] = {0};
	bool neg[ACCTS] = {true, false, false, false, false, false}; /* 0 issuer, 5 store */
	static entry log[MOVES * 2];
	int n = 0;
	uint32_t x = 12345;
	int applied = 0, refused = 0;
	for (int m = 1; m <= MOVES; m++) {
		x = x * 1103515245u + 12345u;
		int from = (int)(x >> 8) % ACCTS, to = (int)(x >> 16) % ACCTS;
		if (from == to)
			continue;
		int64_t amt = 1 + (int64_t)((x >> 4) % 20);
		mob_leg legs[] = {{from, -amt}, {to, amt}};
		int64_t before[] = {bal[from], bal[to]}, after[2];
		bool nn[] = {neg[from], neg[to]};
		gz_err err;
		gz_err_clear(&err);
		if (mob_movement_apply(legs, 2, before, nn, after, &err) < 0) {
			assert_string_equal(err.code, "insufficient_points");
			refused++;
			continue;
		}
		applied++;
		bal[from] = after[0];
		bal[to] = after[1];
		log[n++] = (entry){from, 2 * m, m, -amt, after[0]};
		log[n++] = (entry){to, 2 * m + 1, m, amt, after[1]};
	}
	assert_true(applied > 100);
	assert_true(refused > 0);
	int64_t sum = 0;
	for (int i = 0; i < ACCTS; i++) {
		sum += bal[i];
		if (!neg[i])
			assert_true(bal[i] >= 0);
	}
	assert_int_equal(sum, 0);
	/* the ledger check agrees: sort the log by (account, id) and feed it */
	mob_ledger_check c;
	mob_check_init(&c);
	for (int a = 0; a < ACCTS; a++) {
		for (int i = 0; i < n; i++)
			if (log[i].account == a)
				mob_check_entry(&c, a, log[i].id, log[i].amount, log[i].after,
				                neg[a]);
		mob_check_account(&c, a, bal[a], neg[a]);
	}
	for (int i = 0; i < n; i += 2)
		mob_check_movement(&c, log[i].movement, 2, log[i].amount + log[i + 1].amount);
	assert_true(mob_check_ok(&c));
}

/* ---------------------------------------------------------------- store */

static void test_redeem_checks_stock_then_points(void **state)
{
	(void)state;
	gz_err err;
	int64_t cost = 0;
	assert_int_equal(mob_redeem_check(30, 1, 1, 30, &cost, &err), 0);
	assert_int_equal(cost, 30);
	assert_int_equal(mob_redeem_check(30, 5, 2, 100, &cost, &err), 0);
	assert_int_equal(cost, 60);
	gz_err_clear(&err);
	assert_int_equal(mob_redeem_check(30, 0, 1, 100, &cost, &err), -1);
	assert_string_equal(err.code, "out_of_stock");
	assert_int_equal(err.kind, GZ_ECONFLICT);
	gz_err_clear(&err);
	assert_int_equal(mob_redeem_check(30, 1, 2, 100, &cost, &err), -1);
	assert_string_equal(err.code, "out_of_stock");
	gz_err_clear(&err);
	assert_int_equal(mob_redeem_check(30, 5, 1, 29, &cost, &err), -1);
	assert_string_equal(err.code, "insufficient_points");
	gz_err_clear(&err);
	assert_int_equal(mob_redeem_check(30, 5, 0, 100, &cost, &err), -1);
	assert_string_equal(err.code, "invalid_fields");
	gz_err_clear(&err);
	assert_int_equal(mob_redeem_check(30, 500, MOB_REDEEM_MAX + 1, 1000000, &cost, &err), -1);
	assert_string_equal(err.code, "invalid_fields");
}

static void test_certificate_number_format(void **state)
{
	(void)state;
	char out[24];
	mob_certificate_number(2026, 42, out);
	assert_string_equal(out, "ZYZM-2026-00000042");
}

static void test_labels_of_codes(void **state)
{
	(void)state;
	assert_string_equal(mob_label("activity_kind", "party"), "党员活动");
	assert_string_equal(mob_label("rule", "service_hour"), "每服务小时");
	assert_string_equal(mob_label("stock_kind", "donation"), "捐赠");
	assert_null(mob_label("activity_kind", "donation"));
	assert_null(mob_label("nope", "party"));
	assert_null(mob_label(NULL, "party"));
	assert_null(mob_label("rule", NULL));
}

/* ---------------------------------------------------------------- Party member points */

static void test_pp_defaults_and_codes(void **state)
{
	(void)state;
	mob_pp_rules r;
	mob_pp_rules_default(&r);
	assert_int_equal(r.v[MOB_PP_BASE], 60);
	assert_int_equal(r.v[MOB_PP_SERVICE_HOUR], 2);
	assert_int_equal(r.v[MOB_PP_DUTY], 5);
	assert_int_equal(r.v[MOB_PP_MEETING], 3);
	assert_int_equal(r.v[MOB_PP_DEDUCTION_MAX], 20);
	for (int i = 0; i < MOB_PP_RULE__COUNT; i++)
		assert_int_equal(mob_pp_rule_parse(mob_pp_rule_code((mob_pp_rule)i)), i);
	assert_int_equal(mob_pp_rule_parse("bonus"), -1);
	assert_int_equal(mob_pp_rule_parse(NULL), -1);
	assert_null(mob_pp_rule_code(MOB_PP_RULE__COUNT));
	assert_int_equal(mob_pp_kind_parse("deduction"), MOB_PP_KIND_DEDUCTION);
	assert_string_equal(mob_pp_kind_label(MOB_PP_KIND_DUTY), "双报到履职");
	assert_int_equal(mob_pp_kind_parse("Duty"), -1);
}

static void test_pp_rule_values(void **state)
{
	(void)state;
	gz_err err;
	gz_err_clear(&err);
	assert_int_equal(mob_pp_rule_check(MOB_PP_BASE, 0, &err), 0);
	assert_int_equal(mob_pp_rule_check(MOB_PP_BASE, 1000, &err), 0);
	assert_int_equal(err.nfields, 0);
	assert_int_equal(mob_pp_rule_check(MOB_PP_BASE, 1001, &err), -1);
	assert_int_equal(mob_pp_rule_check(MOB_PP_MEETING, -1, &err), -1);
	assert_int_equal(mob_pp_rule_check(MOB_PP_DEDUCTION_MAX, 0, &err), -1); /* at least 1 */
	assert_int_equal(err.nfields, 3);
	assert_string_equal(err.fields[2].name, "deduction_max");
}

static void test_pp_points_of_a_year(void **state)
{
	(void)state;
	mob_pp_rules r;
	mob_pp_rules_default(&r);
	mob_pp_points p;
	/* 150 minutes at 2 points per hour = 5; 1 duty 5; 2 meetings 6; minus 2. */
	mob_pp_compute(
	    &r,
	    &(mob_pp_tally){.service_minutes = 150, .duties = 1, .meetings = 2, .deductions = 2},
	    &p);
	assert_int_equal(p.base, 60);
	assert_int_equal(p.service, 5);
	assert_int_equal(p.duty, 5);
	assert_int_equal(p.meeting, 6);
	assert_int_equal(p.deduction, 2);
	assert_int_equal(p.total, 74);
	/* Part-hours round down: 89 minutes at 2 per hour is 2 points, not 2.97. */
	mob_pp_compute(&r, &(mob_pp_tally){.service_minutes = 89}, &p);
	assert_int_equal(p.service, 2);
	/* Nothing done: the base alone. */
	mob_pp_compute(&r, &(mob_pp_tally){0}, &p);
	assert_int_equal(p.total, 60);
	/* Deductions beyond everything: never below zero. */
	mob_pp_compute(&r, &(mob_pp_tally){.deductions = 500}, &p);
	assert_int_equal(p.total, 0);
	/* Settings apply: base 0, meetings 10. */
	r.v[MOB_PP_BASE] = 0;
	r.v[MOB_PP_MEETING] = 10;
	mob_pp_compute(&r, &(mob_pp_tally){.meetings = 12}, &p);
	assert_int_equal(p.total, 120);
}

static void test_pp_entries(void **state)
{
	(void)state;
	mob_pp_rules r;
	mob_pp_rules_default(&r);
	gz_err err;
	gz_err_clear(&err);
	int64_t pts = 99;
	assert_int_equal(mob_pp_entry_check(&r, "duty", -1, false, &pts, &err), MOB_PP_KIND_DUTY);
	assert_int_equal(pts, 0);
	assert_int_equal(mob_pp_entry_check(&r, "meeting", -1, true, &pts, &err),
	                 MOB_PP_KIND_MEETING);
	assert_int_equal(mob_pp_entry_check(&r, "deduction", 20, true, &pts, &err),
	                 MOB_PP_KIND_DEDUCTION);
	assert_int_equal(pts, 20);
	assert_int_equal(err.nfields, 0);
	/* A deduction without a reason, beyond the cap, or of nothing. */
	assert_int_equal(mob_pp_entry_check(&r, "deduction", 5, false, &pts, &err), -1);
	assert_string_equal(err.fields[0].name, "reason");
	gz_err_clear(&err);
	assert_int_equal(mob_pp_entry_check(&r, "deduction", 21, true, &pts, &err), -1);
	assert_string_equal(err.fields[0].name, "points");
	gz_err_clear(&err);
	assert_int_equal(mob_pp_entry_check(&r, "deduction", -1, true, &pts, &err), -1);
	gz_err_clear(&err);
	/* Points on a duty (they come from the rules); an unknown kind. */
	assert_int_equal(mob_pp_entry_check(&r, "duty", 3, false, &pts, &err), -1);
	assert_string_equal(err.fields[0].name, "points");
	gz_err_clear(&err);
	assert_int_equal(mob_pp_entry_check(&r, "bonus", -1, false, &pts, &err), -1);
	assert_string_equal(err.fields[0].name, "kind");
}

static void test_pp_year_is_shanghai_calendar_year(void **state)
{
	(void)state;
	int64_t from, to;
	mob_pp_year_range(2026, &from, &to);
	/* 2026-01-01T00:00+08:00 = 2025-12-31T16:00Z */
	char b[40];
	gz_time_rfc3339(from, b, sizeof b);
	assert_non_null(strstr(b, "2025-12-31T16:00:00"));
	gz_time_rfc3339(to, b, sizeof b);
	assert_non_null(strstr(b, "2026-12-31T16:00:00"));
}

static void test_pp_ranking_shares_ranks_on_equal_totals(void **state)
{
	(void)state;
	mob_pp_rank_row rows[] = {
	    {.id = 1, .total = 50, .service_minutes = 0, .index = 0},
	    {.id = 2, .total = 80, .service_minutes = 60, .index = 1},
	    {.id = 3, .total = 80, .service_minutes = 120, .index = 2},
	    {.id = 4, .total = 70, .service_minutes = 0, .index = 3},
	    {.id = 5, .total = 80, .service_minutes = 60, .index = 4},
	};
	mob_pp_rank(rows, 5);
	/* 80 (most service first, then id), then 70, then 50: ranks 1, 1, 1, 4, 5. */
	int64_t ids[] = {3, 2, 5, 4, 1}, ranks[] = {1, 1, 1, 4, 5};
	for (int i = 0; i < 5; i++) {
		assert_int_equal(rows[i].id, ids[i]);
		assert_int_equal(rows[i].rank, ranks[i]);
	}
	assert_int_equal(rows[0].index, 2);
	mob_pp_rank(rows, 0);
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_hours_on_time_is_the_whole_schedule),
	    cmocka_unit_test(test_hours_late_check_in_counts_from_arrival),
	    cmocka_unit_test(test_hours_early_check_out_counts_until_departure),
	    cmocka_unit_test(test_hours_round_down_to_whole_minutes),
	    cmocka_unit_test(test_hours_outside_the_schedule_earn_nothing),
	    cmocka_unit_test(test_hours_activity_across_midnight),
	    cmocka_unit_test(test_hours_missing_check_out_closed_by_the_organiser),
	    cmocka_unit_test(test_hours_refuse_reversed_times),
	    cmocka_unit_test(test_points_for_minutes_round_down),
	    cmocka_unit_test(test_code_matches_rfc6238_sha256_vectors),
	    cmocka_unit_test(test_code_current_and_previous_step_accepted),
	    cmocka_unit_test(test_code_wrong_expired_and_malformed),
	    cmocka_unit_test(test_code_only_within_the_window_around_the_schedule),
	    cmocka_unit_test(test_code_single_use_per_person),
	    cmocka_unit_test(test_signup_new_status_waitlists_beyond_the_slots),
	    cmocka_unit_test(test_waitlist_promotes_in_sign_up_order),
	    cmocka_unit_test(test_movement_must_balance),
	    cmocka_unit_test(test_movement_never_takes_a_member_below_zero),
	    cmocka_unit_test(test_ledger_check_passes_a_sound_ledger),
	    cmocka_unit_test(test_ledger_check_finds_every_breach),
	    cmocka_unit_test(test_ledger_random_movements_keep_the_invariants),
	    cmocka_unit_test(test_redeem_checks_stock_then_points),
	    cmocka_unit_test(test_certificate_number_format),
	    cmocka_unit_test(test_labels_of_codes),
	    cmocka_unit_test(test_pp_defaults_and_codes),
	    cmocka_unit_test(test_pp_rule_values),
	    cmocka_unit_test(test_pp_points_of_a_year),
	    cmocka_unit_test(test_pp_entries),
	    cmocka_unit_test(test_pp_year_is_shanghai_calendar_year),
	    cmocka_unit_test(test_pp_ranking_shares_ranks_on_equal_totals),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
