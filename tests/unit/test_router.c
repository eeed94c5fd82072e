/* Unit tests for http/router.c through its public API. The route table is global
 * and append-only, so the routes are registered once in the group setup and each
 * test remembers their ids relative to the table size found there. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "http/router.h"

#include <string.h>

static void h_dummy(gz_req *r)
{
	(void)r;
}

enum {
	R_HEALTH,
	R_GRID_GET,
	R_GRID_PUT,
	R_GRID_DELETE,
	R_GRIDS_POST,
	R_GRIDS_GET,
	R_VOTE,
	R_ROOT,
	R_LOGIN,
	R_COUNT
};

static const struct {
	const char *method, *pattern;
} table[R_COUNT] = {
    [R_HEALTH] = {"GET", "/api/v1/health"},
    [R_GRID_GET] = {"GET", "/api/v1/grids/{code}"},
    [R_GRID_PUT] = {"PUT", "/api/v1/grids/{code}"},
    [R_GRID_DELETE] = {"DELETE", "/api/v1/grids/{code}"},
    [R_GRIDS_POST] = {"POST", "/api/v1/grids"},
    [R_GRIDS_GET] = {"GET", "/api/v1/grids"},
    [R_VOTE] = {"POST", "/api/v1/cases/{case_id}/votes/{vote_id}"},
    [R_ROOT] = {"GET", "/"},
    [R_LOGIN] = {"POST", "/api/v1/login"},
};

static int base; /* id of table[0] */

static int setup_routes(void **state)
{
	(void)state;
	base = gz_router_count();
	for (int i = 0; i < R_COUNT; i++)
		gz_router_add(table[i].method, table[i].pattern, h_dummy, 0, 0);
	return 0;
}

static int setup_req(void **state)
{
	static gz_req r;
	memset(&r, 0, sizeof r);
	gz_arena_init(&r.arena);
	*state = &r;
	return 0;
}

static int teardown_req(void **state)
{
	gz_req *r = *state;
	gz_arena_free(&r->arena);
	return 0;
}

/* allow is only meaningful when the result is -2 (it is 64 bytes, the documented minimum). */
static int match(gz_req *r, const char *method, const char *path, char *allow)
{
	return gz_router_match(r, method, path, allow, 64);
}

static void test_router_registered_routes_are_listed(void **state)
{
	(void)state;
	assert_int_equal(gz_router_count(), base + R_COUNT);
	const gz_route *rt = gz_router_get(base + R_VOTE);
	assert_non_null(rt);
	assert_string_equal(rt->method, "POST");
	assert_string_equal(rt->pattern, "/api/v1/cases/{case_id}/votes/{vote_id}");
	assert_ptr_equal(rt->fn, h_dummy);
	assert_null(gz_router_get(-1));
	assert_null(gz_router_get(gz_router_count()));
}

static void test_router_exact_match(void **state)
{
	gz_req *r = *state;
	char allow[64];
	assert_int_equal(match(r, "GET", "/api/v1/health", allow), base + R_HEALTH);
	assert_int_equal(r->nparams, 0);
	assert_int_equal(match(r, "GET", "/api/v1/grids", allow), base + R_GRIDS_GET);
	assert_int_equal(match(r, "POST", "/api/v1/grids", allow), base + R_GRIDS_POST);
	assert_int_equal(match(r, "GET", "/", allow), base + R_ROOT);
}

static void test_router_param_captured(void **state)
{
	gz_req *r = *state;
	char allow[64];
	assert_int_equal(match(r, "GET", "/api/v1/grids/A-01", allow), base + R_GRID_GET);
	assert_int_equal(r->nparams, 1);
	assert_string_equal(r->params[0].name, "code");
	assert_string_equal(r->params[0].value, "A-01");
	assert_string_equal(gz_req_param(r, "code"), "A-01");
	assert_null(gz_req_param(r, "id"));

	/* The method picks the route; the capture is the same. */
	assert_int_equal(match(r, "DELETE", "/api/v1/grids/东区", allow), base + R_GRID_DELETE);
	assert_string_equal(gz_req_param(r, "code"), "东区");
}

static void test_router_two_params_captured(void **state)
{
	gz_req *r = *state;
	char allow[64];
	assert_int_equal(match(r, "POST", "/api/v1/cases/17/votes/3", allow), base + R_VOTE);
	assert_int_equal(r->nparams, 2);
	assert_string_equal(gz_req_param(r, "case_id"), "17");
	assert_string_equal(gz_req_param(r, "vote_id"), "3");
}

static void test_router_params_reset_by_next_match(void **state)
{
	gz_req *r = *state;
	char allow[64];
	assert_int_equal(match(r, "GET", "/api/v1/grids/X", allow), base + R_GRID_GET);
	assert_int_equal(match(r, "GET", "/api/v1/health", allow), base + R_HEALTH);
	assert_int_equal(r->nparams, 0);
	assert_null(gz_req_param(r, "code"));
}

static void test_router_param_must_be_non_empty(void **state)
{
	gz_req *r = *state;
	char allow[64];
	/* "/api/v1/grids/" is neither "/api/v1/grids" nor ".../{code}" with a value. */
	assert_int_equal(match(r, "GET", "/api/v1/grids/", allow), -1);
	assert_int_equal(match(r, "POST", "/api/v1/cases//votes/3", allow), -1);
	assert_int_equal(match(r, "POST", "/api/v1/cases/17/votes/", allow), -1);
}

static void test_router_trailing_slash_does_not_match(void **state)
{
	gz_req *r = *state;
	char allow[64];
	assert_int_equal(match(r, "GET", "/api/v1/health/", allow), -1);
	assert_int_equal(match(r, "GET", "/api/v1/grids/A01/", allow), -1);
}

static void test_router_more_segments_do_not_match(void **state)
{
	gz_req *r = *state;
	char allow[64];
	assert_int_equal(match(r, "GET", "/api/v1/health/x", allow), -1);
	assert_int_equal(match(r, "GET", "/api/v1/grids/A01/extra", allow), -1);
	assert_int_equal(match(r, "POST", "/api/v1/cases/1/votes/2/3", allow), -1);
}

static void test_router_fewer_segments_do_not_match(void **state)
{
	gz_req *r = *state;
	char allow[64];
	assert_int_equal(match(r, "GET", "/api/v1", allow), -1);
	assert_int_equal(match(r, "POST", "/api/v1/cases/1/votes", allow), -1);
}

static void test_router_segment_must_match_whole(void **state)
{
	gz_req *r = *state;
	char allow[64];
	assert_int_equal(match(r, "GET", "/api/v1/healthz", allow), -1);
	assert_int_equal(match(r, "GET", "/api/v1/healt", allow), -1);
	assert_int_equal(match(r, "GET", "/API/v1/health", allow), -1);
	assert_int_equal(match(r, "GET", "/api//v1/health", allow), -1);
	assert_int_equal(match(r, "GET", "api/v1/health", allow), -1);
	assert_int_equal(match(r, "GET", "", allow), -1);
}

static void test_router_unknown_path_returns_minus_one(void **state)
{
	gz_req *r = *state;
	char allow[64];
	memcpy(allow, "junk", 5);
	assert_int_equal(gz_router_match(r, "GET", "/nope", allow, sizeof allow), -1);
	assert_string_equal(allow, "");
}

static void test_router_head_matches_get(void **state)
{
	gz_req *r = *state;
	char allow[64];
	assert_int_equal(match(r, "HEAD", "/api/v1/health", allow), base + R_HEALTH);
	assert_int_equal(match(r, "HEAD", "/api/v1/grids/B2", allow), base + R_GRID_GET);
	assert_string_equal(gz_req_param(r, "code"), "B2");
}

static void test_router_wrong_method_returns_405_with_allow(void **state)
{
	gz_req *r = *state;
	char allow[64];
	assert_int_equal(match(r, "PATCH", "/api/v1/grids/A01", allow), -2);
	assert_string_equal(allow, "GET, PUT, DELETE, HEAD");

	assert_int_equal(match(r, "DELETE", "/api/v1/grids", allow), -2);
	assert_string_equal(allow, "POST, GET, HEAD");

	assert_int_equal(match(r, "POST", "/api/v1/health", allow), -2);
	assert_string_equal(allow, "GET, HEAD");
}

static void test_router_405_allow_has_no_head_without_get(void **state)
{
	gz_req *r = *state;
	char allow[64];
	assert_int_equal(match(r, "GET", "/api/v1/login", allow), -2);
	assert_string_equal(allow, "POST");
	/* HEAD is routed as GET, so a POST-only path answers HEAD with 405 too. */
	assert_int_equal(match(r, "HEAD", "/api/v1/login", allow), -2);
	assert_string_equal(allow, "POST");
	assert_int_equal(match(r, "GET", "/api/v1/cases/1/votes/2", allow), -2);
	assert_string_equal(allow, "POST");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_router_registered_routes_are_listed),
	    cmocka_unit_test_setup_teardown(test_router_exact_match, setup_req, teardown_req),
	    cmocka_unit_test_setup_teardown(test_router_param_captured, setup_req, teardown_req),
	    cmocka_unit_test_setup_teardown(test_router_two_params_captured, setup_req,
	                                    teardown_req),
	    cmocka_unit_test_setup_teardown(test_router_params_reset_by_next_match, setup_req,
	                                    teardown_req),
	    cmocka_unit_test_setup_teardown(test_router_param_must_be_non_empty, setup_req,
	                                    teardown_req),
	    cmocka_unit_test_setup_teardown(test_router_trailing_slash_does_not_match, setup_req,
	                                    teardown_req),
	    cmocka_unit_test_setup_teardown(test_router_more_segments_do_not_match, setup_req,
	                                    teardown_req),
	    cmocka_unit_test_setup_teardown(test_router_fewer_segments_do_not_match, setup_req,
	                                    teardown_req),
	    cmocka_unit_test_setup_teardown(test_router_segment_must_match_whole, setup_req,
	                                    teardown_req),
	    cmocka_unit_test_setup_teardown(test_router_unknown_path_returns_minus_one, setup_req,
	                                    teardown_req),
	    cmocka_unit_test_setup_teardown(test_router_head_matches_get, setup_req, teardown_req),
	    cmocka_unit_test_setup_teardown(test_router_wrong_method_returns_405_with_allow,
	                                    setup_req, teardown_req),
	    cmocka_unit_test_setup_teardown(test_router_405_allow_has_no_head_without_get,
	                                    setup_req, teardown_req),
	};
	return cmocka_run_group_tests(tests, setup_routes, NULL);
}
