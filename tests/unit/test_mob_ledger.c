/* Unit tests for the points ledger's storage (modules/mobilisation/ledger.c) on an
 * in-memory SQLite database: points earned by another capability's rule
 * (gz_mob_points_earn, the rules as settings), posting a movement that would overdraw
 * (refused, nothing kept), the balance read as one row, and the database's own walls
 * (append-only entries, no member below zero). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "api/auth.h"
#include "db/db.h"
#include "modules/accounts/accounts.h"
#include "modules/mobilisation/mob_internal.h"
#include "modules/mobilisation/mobilisation.h"
#include "modules/module.h"

#include <string.h>

#define COMMUNITY "110101001001"

typedef struct {
	gz_db *db;
	gz_actor op;
	int64_t user;
} fixture;

static int setup(void **state)
{
	static fixture f;
	gz_modules_init();
	gz_err err;
	gz_err_clear(&err);
	f.db = gz_db_open("sqlite::memory:", &err);
	assert_non_null(f.db);
	assert_true(gz_db_migrate(f.db, &err) > 0);
	gz_actor_operator(&f.op);
	f.user = gz_user_insert(f.db, "vol1", "志愿者一", "!no-login", &err);
	assert_true(f.user > 0);
	*state = &f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;
	gz_db_close(f->db);
	return 0;
}

static int64_t balance(fixture *f)
{
	gz_err err;
	gz_err_clear(&err);
	int64_t b = -1;
	assert_int_equal(gz_mob_balance(f->db, f->user, &b, &err), 0);
	return b;
}

static int64_t count(fixture *f, const char *sql)
{
	gz_err err;
	gz_err_clear(&err);
	int64_t n = -1;
	assert_int_equal(gz_db_query_int64(f->db, sql, &n, &err, 0), 1);
	return n;
}

static void test_no_account_reads_zero(void **state)
{
	fixture *f = *state;
	assert_int_equal(balance(f), 0);
}

static void test_points_earned_by_another_capability_follow_the_rule(void **state)
{
	fixture *f = *state;
	gz_err err;
	gz_err_clear(&err);
	int64_t pts = -1;
	assert_int_equal(gz_db_begin(f->db, &err), 0);
	/* need_completed is 2 points by default: 3 completed needs are 6 points */
	assert_int_equal(gz_mob_points_earn(f->db, &f->op, f->user, "need_completed", 3, COMMUNITY,
	                                    "need", 42, 1000, &pts, &err),
	                 0);
	assert_int_equal(gz_db_commit(f->db, &err), 0);
	assert_int_equal(pts, 6);
	assert_int_equal(balance(f), 6);
	/* the movement names the rule and what it refers to */
	assert_int_equal(count(f, "SELECT COUNT(*) FROM points_movements WHERE rule = "
	                          "'need_completed' AND ref_type = 'need' AND ref_id = 42"),
	                 1);
	/* the issuer went negative by exactly that */
	assert_int_equal(count(f, "SELECT balance FROM points_accounts WHERE kind = 'issuer'"), -6);
	assert_int_equal(count(f, "SELECT COALESCE(SUM(amount), 0) FROM points_entries"), 0);
}

static void test_unknown_rule_and_bad_community_are_refused(void **state)
{
	fixture *f = *state;
	gz_err err;
	int64_t pts = -1;
	gz_err_clear(&err);
	assert_int_equal(gz_mob_points_earn(f->db, &f->op, f->user, "sunshine", 1, COMMUNITY, NULL,
	                                    0, 1000, &pts, &err),
	                 -1);
	assert_string_equal(err.code, "unknown_rule");
	gz_err_clear(&err);
	assert_int_equal(gz_mob_points_earn(f->db, &f->op, f->user, "vote", 1, "110101001", NULL, 0,
	                                    1000, &pts, &err),
	                 -1);
	assert_string_equal(err.code, "invalid_community");
}

static void test_a_rule_worth_nothing_writes_nothing(void **state)
{
	fixture *f = *state;
	gz_err err;
	gz_err_clear(&err);
	assert_int_equal(
	    gz_db_exec(f->db, "UPDATE points_rules SET points = 0 WHERE rule = 'vote'", &err), 0);
	int64_t before = count(f, "SELECT COUNT(*) FROM points_entries"), pts = -1;
	assert_int_equal(gz_mob_points_earn(f->db, &f->op, f->user, "vote", 5, COMMUNITY, NULL, 0,
	                                    1000, &pts, &err),
	                 0);
	assert_int_equal(pts, 0);
	assert_int_equal(count(f, "SELECT COUNT(*) FROM points_entries"), before);
}

static void test_an_overdraft_is_refused_and_leaves_nothing(void **state)
{
	fixture *f = *state;
	gz_err err;
	gz_err_clear(&err);
	int64_t have = balance(f), entries = count(f, "SELECT COUNT(*) FROM points_entries");
	assert_int_equal(gz_db_begin(f->db, &err), 0);
	int64_t member = mob_account(f->db, MOB_ACCT_MEMBER, f->user, NULL, 1000, true, &err);
	int64_t store = mob_account(f->db, MOB_ACCT_STORE, 0, COMMUNITY, 1000, true, &err);
	assert_true(member > 0 && store > 0);
	mob_leg legs[] = {{member, -(have + 1)}, {store, have + 1}};
	mob_move m = {.kind = "redeem", .scope = COMMUNITY, .user_id = f->user, .at = 2000};
	int64_t mid = 0;
	assert_int_equal(mob_post(f->db, &f->op, &m, legs, 2, &mid, &err), -1);
	assert_string_equal(err.code, "insufficient_points");
	gz_db_rollback(f->db);
	assert_int_equal(balance(f), have);
	assert_int_equal(count(f, "SELECT COUNT(*) FROM points_entries"), entries);
	/* exactly the balance is allowed, to zero (the store's account, made in the
	 * transaction rolled back, is made again) */
	gz_err_clear(&err);
	assert_int_equal(gz_db_begin(f->db, &err), 0);
	store = mob_account(f->db, MOB_ACCT_STORE, 0, COMMUNITY, 1000, true, &err);
	assert_true(store > 0);
	mob_leg all[] = {{member, -have}, {store, have}};
	assert_int_equal(mob_post(f->db, &f->op, &m, all, 2, &mid, &err), 0);
	assert_int_equal(gz_db_commit(f->db, &err), 0);
	assert_int_equal(balance(f), 0);
}

static void test_the_database_refuses_what_the_code_must_never_do(void **state)
{
	fixture *f = *state;
	gz_err err;
	gz_err_clear(&err);
	/* entries are append-only */
	assert_int_equal(gz_db_exec(f->db, "UPDATE points_entries SET amount = amount + 1", &err),
	                 -1);
	gz_err_clear(&err);
	assert_int_equal(gz_db_exec(f->db, "DELETE FROM points_movements", &err), -1);
	/* a member's balance never below zero, whoever writes */
	gz_err_clear(&err);
	assert_int_equal(gz_db_exec(f->db,
	                            "UPDATE points_accounts SET balance = -1 WHERE kind = 'member'",
	                            &err),
	                 -1);
	/* an unbalanced movement never reaches the database */
	gz_err_clear(&err);
	mob_leg legs[] = {{1, -5}, {2, 4}};
	mob_move m = {.kind = "adjust", .scope = COMMUNITY, .at = 1};
	int64_t mid = 0;
	assert_int_equal(mob_post(f->db, &f->op, &m, legs, 2, &mid, &err), -1);
	assert_string_equal(err.code, "ledger_unbalanced");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_no_account_reads_zero),
	    cmocka_unit_test(test_points_earned_by_another_capability_follow_the_rule),
	    cmocka_unit_test(test_unknown_rule_and_bad_community_are_refused),
	    cmocka_unit_test(test_a_rule_worth_nothing_writes_nothing),
	    cmocka_unit_test(test_an_overdraft_is_refused_and_leaves_nothing),
	    cmocka_unit_test(test_the_database_refuses_what_the_code_must_never_do),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
