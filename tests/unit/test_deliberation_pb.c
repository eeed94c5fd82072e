/* Unit tests for participatory budgets (pb_parse.c, pb_mes.c, pb_rules.c, pb_json.c):
 * every parse error PB-RULES.md lists, named by line; hand-made instances for greedy, mes
 * and mes-add1 with ties, zero-cost and unfundable projects; the explanations; and a
 * differential test against a naive implementation written straight from the rules
 * (sort every project's approvers every round, no shortcuts) on thousands of random
 * instances. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "modules/deliberation/pb.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- helpers ---------------------------------------------------------------------- */

static void parse_ok(const char *text, pb_instance *in)
{
	gz_err err;
	gz_err_clear(&err);
	if (pb_parse(text, strlen(text), in, &err) != 0)
		fail_msg("rejected: %s\n%s", err.message, text);
}

static void expect_parse_error(const char *text, size_t len, size_t line, const char *why)
{
	gz_err err;
	gz_err_clear(&err);
	pb_instance in;
	if (pb_parse(text, len, &in, &err) == 0) {
		pb_instance_free(&in);
		fail_msg("accepted:\n%s", text);
	}
	char prefix[32];
	snprintf(prefix, sizeof prefix, "第 %zu 行：", line);
	if (strncmp(err.message, prefix, strlen(prefix)) != 0 || !strstr(err.message, why))
		fail_msg("expected '%s…%s', got '%s' for:\n%s", prefix, why, err.message, text);
	assert_string_equal(err.code, "invalid_pb");
	assert_int_equal(err.kind, GZ_EINVALID);
}

#define BAD(text, line, why) expect_parse_error(text, strlen(text), line, why)

/* The selection of a rule as "id,id,..." in selection order, and its cost. */
static char *run_rule(const pb_instance *in, pb_rule r, char **cost)
{
	pb_outcome out;
	gz_err err;
	gz_err_clear(&err);
	if (pb_run(in, r, false, &out, &err) != 0)
		fail_msg("pb_run: %s", err.message);
	size_t cap = 16;
	for (size_t i = 0; i < out.nselected; i++)
		cap += in->projects[out.selected[i]].id_len + 1;
	char *s = calloc(1, cap);
	for (size_t i = 0; i < out.nselected; i++) {
		if (i)
			strcat(s, ",");
		strncat(s, in->projects[out.selected[i]].id, in->projects[out.selected[i]].id_len);
	}
	if (cost)
		*cost = pb_format_z(out.cost, in->scale);
	pb_outcome_free(&out);
	return s;
}

static void expect_rule(const char *text, pb_rule r, const char *selected, const char *cost)
{
	pb_instance in;
	parse_ok(text, &in);
	char *c;
	char *s = run_rule(&in, r, &c);
	if (strcmp(s, selected) != 0 || (cost && strcmp(c, cost) != 0))
		fail_msg("%s: expected [%s] cost %s, got [%s] cost %s", pb_rule_name(r), selected,
		         cost ? cost : "?", s, c);
	free(s);
	free(c);
	pb_instance_free(&in);
}

#define HEAD(budget) "META\nkey;value\nvote_type;approval\nbudget;" budget "\n"

/* ---- parsing: what is accepted ------------------------------------------------------ */

static void test_pb_parse_reads_sections_fields_and_numbers(void **state)
{
	(void)state;
	const char *text = "\xEF\xBB\xBFmeta\r\n"
	                   "key;value\r\n"
	                   "description;\"Budget; with a quote \"\" inside\"\r\n"
	                   "budget;  969245.38 \r\n"
	                   "vote_type;approval\r\n"
	                   "budget;969245.38\r\n"
	                   "   \r\n"
	                   "Projects\r"
	                   "project_id;name;cost\r"
	                   " 1 ;\"Park; trees\";100\r"
	                   "\"2\";x;\"0\"\r"
	                   "10;y;5.125\n"
	                   "VOTES\n"
	                   "voter_id;vote;age\n"
	                   "a;1,10,1,,\n"
	                   "b;\n"
	                   "c\n"
	                   "d;\" 2,1\"\n"
	                   "e;2\n";
	pb_instance in;
	parse_ok(text, &in);
	assert_int_equal(in.scale, 3);
	assert_int_equal(in.nprojects, 3);
	assert_int_equal(in.nvoters, 5);
	assert_string_equal(in.projects[0].id, "1");
	assert_string_equal(in.projects[1].id, "2");
	assert_string_equal(in.projects[2].id, "10");
	assert_int_equal(mpz_get_ui(in.budget), 969245380);
	assert_int_equal(mpz_get_ui(in.projects[0].cost), 100000);
	assert_int_equal(mpz_get_ui(in.projects[1].cost), 0);
	assert_int_equal(mpz_get_ui(in.projects[2].cost), 5125);
	/* "1,10,1" counts 1 once; " 2,1" is trimmed to "2,1". */
	assert_int_equal(in.projects[0].approvals, 2);
	assert_int_equal(in.projects[1].approvals, 2);
	assert_int_equal(in.projects[2].approvals, 1);
	assert_int_equal(in.vote_start[1] - in.vote_start[0], 2);
	assert_int_equal(in.vote_start[2] - in.vote_start[1], 0);
	assert_int_equal(in.projects[2].line, 12);
	/* The name column is kept (for imports); META names no rule. */
	assert_string_equal(in.projects[0].name, "Park; trees");
	assert_string_equal(in.projects[2].name, "y");
	assert_null(in.rule);
	pb_instance_free(&in);
}

static void test_pb_parse_trims_unicode_white_space(void **state)
{
	(void)state;
	/* Trimming removes what Python's strip() does: tabs, NBSP, the ideographic space. */
	pb_instance in;
	parse_ok(HEAD("\t10\xC2\xA0") "PROJECTS\nid;cost\n\xE3\x80\x80x1\t;\xE2\x80\x83 7 \n"
	                              "\xE3\x80\x80\t\nVOTES\nv;vote\n1;\xC2\xA0x1\xE3\x80\x80\n",
	         &in);
	assert_string_equal(in.projects[0].id, "x1");
	assert_int_equal(mpz_get_ui(in.projects[0].cost), 7);
	assert_int_equal(mpz_get_ui(in.budget), 10);
	assert_int_equal(in.projects[0].approvals, 1);
	pb_instance_free(&in);
}

static void test_pb_parse_vote_items_are_not_trimmed(void **state)
{
	(void)state;
	/* "1, 2" names project " 2", which does not exist. */
	BAD(HEAD("10") "PROJECTS\nid;cost\n1;1\n2;1\nVOTES\nv;vote\nx;1, 2\n", 11,
	    "「 2」不在 PROJECTS 中");
	/* ...unless it does: ids are trimmed, so " 2" is never an id. */
	BAD(HEAD("10") "PROJECTS\nid;cost\n1;1\n\" 2\";1\nVOTES\nv;vote\nx;1, 2\n", 11,
	    "不在 PROJECTS 中");
}

/* ---- parsing: every error of PB-RULES.md -------------------------------------------- */

static void test_pb_parse_rejects_invalid_utf8_naming_the_line(void **state)
{
	(void)state;
	const char text[] = HEAD("10") "PROJECTS\nid;cost;name\n1;1;caf\xE9\nVOTES\nv;vote\nx;1\n";
	expect_parse_error(text, sizeof text - 1, 7, "UTF-8");
	const char lone[] = "META\nkey;value\n\xC0\xAF;x\n";
	expect_parse_error(lone, sizeof lone - 1, 3, "UTF-8");
	/* NUL is a valid code point (and an ordinary character) */
	const char nul[] = HEAD("10") "PROJECTS\nid;cost;name\n1;1;a\0b\nVOTES\nv;vote\nx;1\n";
	pb_instance in;
	gz_err err;
	gz_err_clear(&err);
	assert_int_equal(pb_parse(nul, sizeof nul - 1, &in, &err), 0);
	pb_instance_free(&in);
}

static void test_pb_parse_rejects_bad_quotes(void **state)
{
	(void)state;
	BAD(HEAD("10") "PROJECTS\nid;cost;name\n1;1;\"open\nVOTES\nv;vote\nx;1\n", 7, "引号未闭合");
	BAD(HEAD("10") "PROJECTS\nid;cost;name\n1;1;\"ends\"\"\nVOTES\nv;vote\nx;1\n", 7,
	    "引号未闭合");
	BAD(HEAD("10") "PROJECTS\nid;cost;name\n1;1;\"a\"b\nVOTES\nv;vote\nx;1\n", 7,
	    "闭合引号后有多余字符");
	/* a quote not at the start of a field is an ordinary character */
	pb_instance in;
	parse_ok(HEAD("10") "PROJECTS\nid;cost;name\n1;1;a\"b\"\"c\nVOTES\nv;vote\nx;1\n", &in);
	pb_instance_free(&in);
}

static void test_pb_parse_rejects_missing_repeated_and_out_of_order_sections(void **state)
{
	(void)state;
	BAD("", 1, "缺少 META");
	BAD("\n \n", 2, "缺少 META");
	BAD(HEAD("10"), 4, "缺少 PROJECTS");
	BAD(HEAD("10") "PROJECTS\nid;cost\n1;1\n", 7, "缺少 VOTES");
	BAD(HEAD("10") "VOTES\nv;vote\nx;1\n", 5, "VOTES 段之前缺少 PROJECTS");
	BAD("PROJECTS\nid;cost\n1;1\n", 1, "PROJECTS 段之前缺少 META");
	BAD(HEAD("10") "PROJECTS\nid;cost\n1;1\nVOTES\nv;vote\nx;1\nMETA\nkey;value\n", 11,
	    "META 段重复（第 1 行已有）");
	BAD(HEAD("10") "PROJECTS\nid;cost\n1;1\nPROJECTS\nid;cost\n", 8, "PROJECTS 段重复");
	BAD(HEAD("10") "PROJECTS\nid;cost\n1;1\nVOTES\nv;vote\nx;1\nVOTES\nv;vote\n", 11,
	    "VOTES 段重复");
}

static void test_pb_parse_rejects_a_missing_header(void **state)
{
	(void)state;
	BAD("META\nPROJECTS\nid;cost\n", 1, "META 段缺少表头");
	BAD(HEAD("10") "PROJECTS\n\nVOTES\nv;vote\nx;1\n", 5, "PROJECTS 段缺少表头");
	BAD(HEAD("10") "PROJECTS\nid;cost\n1;1\nVOTES\n", 8, "VOTES 段缺少表头");
}

static void test_pb_parse_rejects_missing_cost_and_vote_columns(void **state)
{
	(void)state;
	BAD(HEAD("10") "PROJECTS\nid;price\n1;1\nVOTES\nv;vote\nx;1\n", 6, "没有 cost 列");
	BAD(HEAD("10") "PROJECTS\nid;Cost\n1;1\nVOTES\nv;vote\nx;1\n", 6, "没有 cost 列");
	BAD(HEAD("10") "PROJECTS\nid;cost\n1;1\nVOTES\nv;votes\nx;1\n", 9, "没有 vote 列");
}

static void test_pb_parse_rejects_vote_type_other_than_approval(void **state)
{
	(void)state;
	const char *const types[] = {"cumulative", "ordinal",  "scoring",
	                             "choose-1",   "Approval", ""};
	char text[256];
	for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
		snprintf(text, sizeof text,
		         "META\nkey;value\nbudget;10\nvote_type;%s\nPROJECTS\nid;cost\n1;1\n"
		         "VOTES\nv;vote\nx;1\n",
		         types[i]);
		BAD(text, 4, "只接受 approval");
	}
	BAD("META\nkey;value\nbudget;10\nPROJECTS\nid;cost\n1;1\nVOTES\nv;vote\nx;1\n", 1,
	    "缺少 vote_type");
	BAD("META\nkey;value\nbudget;10\nvote_type\nPROJECTS\nid;cost\n1;1\nVOTES\nv;vote\nx;1\n",
	    4, "只接受 approval");
	/* a later row replaces an earlier one */
	BAD("META\nkey;value\nvote_type;approval\nbudget;10\nvote_type;ordinal\n"
	    "PROJECTS\nid;cost\n1;1\nVOTES\nv;vote\nx;1\n",
	    5, "ordinal");
	pb_instance in;
	parse_ok("META\nkey;value\nvote_type;ordinal\nbudget;10\nvote_type; approval \n"
	         "PROJECTS\nid;cost\n1;1\nVOTES\nv;vote\nx;1\n",
	         &in);
	pb_instance_free(&in);
}

static void test_pb_parse_rejects_budget_missing_or_not_a_number(void **state)
{
	(void)state;
	BAD("META\nkey;value\nvote_type;approval\nPROJECTS\nid;cost\n1;1\nVOTES\nv;vote\nx;1\n", 1,
	    "缺少 budget");
	const char *const bad[] = {"-5",   "1e6", "1 000", "1,5", "abc", "",
	                           "None", "5.",  ".5",    "+5",  "0x10"};
	char text[256];
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		snprintf(text, sizeof text,
		         "META\nkey;value\nvote_type;approval\nbudget;%s\nPROJECTS\nid;cost\n1;1\n"
		         "VOTES\nv;vote\nx;1\n",
		         bad[i]);
		BAD(text, 4, "budget");
	}
	BAD("META\nkey;value\nvote_type;approval\nbudget\nPROJECTS\nid;cost\n1;1\n", 4, "budget");
}

static void test_pb_parse_rejects_cost_missing_or_not_a_number(void **state)
{
	(void)state;
	const char *const bad[] = {"-5", "1e6", "1 000", "1,5", "abc", "", "None", "-0", "1.2.3"};
	char text[256];
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		snprintf(text, sizeof text,
		         HEAD("10") "PROJECTS\nid;cost\n1;1\n2;%s\nVOTES\nv;vote\nx;1\n", bad[i]);
		BAD(text, 8, "cost");
	}
	BAD(HEAD("10") "PROJECTS\nid;name;cost\n1;a;1\n2;b\nVOTES\nv;vote\nx;1\n", 8, "缺少 cost");
	BAD(HEAD("10") "PROJECTS\nid;name;cost\n1\nVOTES\nv;vote\nx;1\n", 7, "缺少 cost");
}

static void test_pb_parse_rejects_empty_and_duplicate_ids_and_no_projects(void **state)
{
	(void)state;
	BAD(HEAD("10") "PROJECTS\nid;cost\n1;1\n ;2\nVOTES\nv;vote\nx;1\n", 8, "项目编号为空");
	BAD(HEAD("10") "PROJECTS\nid;cost\n\"\";2\nVOTES\nv;vote\nx;1\n", 7, "项目编号为空");
	BAD(HEAD("10") "PROJECTS\nid;cost\n1;1\n2;2\n 1 ;3\nVOTES\nv;vote\nx;1\n", 9,
	    "项目编号「1」重复（第 7 行已有）");
	BAD(HEAD("10") "PROJECTS\nid;cost\n\nVOTES\nv;vote\nx;1\n", 5, "PROJECTS 没有项目");
}

static void test_pb_parse_rejects_no_voters_and_unknown_projects(void **state)
{
	(void)state;
	BAD(HEAD("10") "PROJECTS\nid;cost\n1;1\nVOTES\nv;vote\n\n", 8, "VOTES 没有投票");
	BAD(HEAD("10") "PROJECTS\nid;cost\n1;1\nVOTES\nv;vote\nx;1\ny;1,3\n", 11,
	    "「3」不在 PROJECTS 中");
}

static void test_pb_parse_rejects_rows_longer_than_their_header(void **state)
{
	(void)state;
	BAD("META\nkey;value\nbudget;10;x\n", 3, "多于表头");
	BAD(HEAD("10") "PROJECTS\nid;cost\n1;1;x\nVOTES\nv;vote\nx;1\n", 7, "多于表头");
	BAD(HEAD("10") "PROJECTS\nid;cost\n1;1\nVOTES\nv;vote\nx;1;\n", 10, "多于表头");
	/* fewer fields: the missing columns are absent (an absent vote approves nothing) */
	pb_instance in;
	parse_ok(HEAD("10") "PROJECTS\nid;cost;name\n1;1\nVOTES\nv;x;vote\nx\ny;2;1\n", &in);
	assert_int_equal(in.nvoters, 2);
	assert_int_equal(in.projects[0].approvals, 1);
	pb_instance_free(&in);
}

static void test_pb_parse_rejects_text_before_meta(void **state)
{
	(void)state;
	BAD("\n# comment\nMETA\nkey;value\n", 2, "META 之前不能有其他内容");
	BAD("\xEF\xBB\xBF\xEF\xBB\xBF"
	    "META\n",
	    1, "META 之前");
}

/* ---- greedy ---------------------------------------------------------------------- */

static void test_greedy_skips_what_does_not_fit_and_goes_on(void **state)
{
	(void)state;
	/* approvals: a 4, b 3, c 2, d 1; budget 100: a (60) fits, b (50) does not, c (40)
	 * does, d (1) no longer does. */
	expect_rule(HEAD("100") "PROJECTS\nid;cost\na;60\nb;50\nc;40\nd;1\n"
	                        "VOTES\nv;vote\n1;a,b,c,d\n2;a,b,c\n3;a,b\n4;a\n",
	            PB_GREEDY, "a,c", "100");
}

static void test_greedy_ties_by_id_in_byte_order(void **state)
{
	(void)state;
	/* Equal approvals: "10" < "2" < "9" (strings, not numbers). Budget fits two. */
	expect_rule(HEAD("2") "PROJECTS\nid;cost\n9;1\n2;1\n10;1\n"
	                      "VOTES\nv;vote\n1;9,2,10\n",
	            PB_GREEDY, "10,2", "2");
	/* A proper prefix first: "B1" < "B10". */
	expect_rule(HEAD("1") "PROJECTS\nid;cost\nB10;1\nB1;1\nVOTES\nv;vote\n1;B1,B10\n",
	            PB_GREEDY, "B1", "1");
}

static void test_greedy_zero_cost_always_and_unapproved_last(void **state)
{
	(void)state;
	/* z costs 0 and nobody approves it: selected (last); u costs more than the budget:
	 * never; w approved by nobody still fits at the end. */
	expect_rule(HEAD("10") "PROJECTS\nid;cost\nu;11\nz;0\nw;3\na;7\n"
	                       "VOTES\nv;vote\n1;u,a\n2;u\n3;\n",
	            PB_GREEDY, "a,w,z", "10");
}

/* ---- mes ------------------------------------------------------------------------- */

static void test_mes_selects_by_rho_not_by_price(void **state)
{
	(void)state;
	/* n = 4, B = 40: 10 each. a (cost 20, 2 approvers: q 10, rho 1/2) and b (cost 6,
	 * 3 approvers: q 2, rho 1/3): b has the smaller q and the smaller rho; c (cost 30,
	 * 4 approvers: q 7.5, rho 1/4) has the largest q but the smallest rho and wins first. */
	expect_rule(HEAD("40") "PROJECTS\nid;cost\na;20\nb;6\nc;30\n"
	                       "VOTES\nv;vote\n1;a,b,c\n2;a,b,c\n3;b,c\n4;c\n",
	            PB_MES, "c,b", "36");
}

static void test_mes_equal_rho_ties_by_id(void **state)
{
	(void)state;
	/* Two projects of 2 approvers each: rho 1/2 both; "x10" < "x9". */
	expect_rule(HEAD("4") "PROJECTS\nid;cost\nx9;2\nx10;2\nVOTES\nv;vote\n1;x9\n2;x9\n3;x10\n"
	                      "4;x10\n",
	            PB_MES, "x10,x9", "4");
}

static void test_mes_never_selects_zero_cost_or_unapproved(void **state)
{
	(void)state;
	expect_rule(HEAD("10") "PROJECTS\nid;cost\nz;0\nn;1\na;5\nVOTES\nv;vote\n1;z,a\n2;a\n",
	            PB_MES, "a", "5");
}

static void test_mes_unfundable_project_is_dropped(void **state)
{
	(void)state;
	/* big costs more than the whole budget: its approvers can never pay. */
	expect_rule(HEAD("10") "PROJECTS\nid;cost\nbig;11\ns;4\nVOTES\nv;vote\n1;big,s\n2;big\n",
	            PB_MES, "s", "4");
}

static void test_mes_short_approvers_pay_what_they_have(void **state)
{
	(void)state;
	/* n = 4, B = 40: 10 each. a (cost 24, voters 1-3: q 8, rho 1/3) first; they keep 2.
	 * b (cost 12, voters 1, 2, 4 with 2, 2, 10): q = 8 (2 + 2 + 8 = 12), rho 2/3: voters 1
	 * and 2 pay all they have, voter 4 pays 8. */
	pb_instance in;
	parse_ok(HEAD("40") "PROJECTS\nid;cost\na;24\nb;12\nVOTES\nv;vote\n1;a,b\n2;a,b\n3;a\n"
	                    "4;b\n",
	         &in);
	pb_outcome out;
	gz_err err;
	assert_int_equal(pb_run(&in, PB_MES, true, &out, &err), 0);
	assert_int_equal(out.nselected, 2);
	assert_int_equal(out.selected[0], 0);
	const pb_note *b = &out.notes[1];
	assert_int_equal(b->mes, PB_HOW_MES);
	char *s = pb_format_q(b->price, in.scale);
	assert_string_equal(s, "8");
	free(s);
	s = mpq_get_str(NULL, 10, b->rho);
	assert_string_equal(s, "2/3");
	void (*gfree)(void *, size_t);
	mp_get_memory_functions(NULL, NULL, &gfree);
	gfree(s, strlen(s) + 1);
	assert_int_equal(b->npayments, 2);
	s = pb_format_q(b->payments[0].amount, in.scale);
	assert_string_equal(s, "8");
	free(s);
	assert_int_equal(b->payments[0].voters, 1);
	s = pb_format_q(b->payments[1].amount, in.scale);
	assert_string_equal(s, "2");
	free(s);
	assert_int_equal(b->payments[1].voters, 2);
	pb_outcome_free(&out);
	pb_instance_free(&in);
}

/* ---- mes-add1 -------------------------------------------------------------------- */

static void test_mes_add1_raises_the_budget_until_the_next_would_overspend(void **state)
{
	(void)state;
	/* See docs: MES(20 each) takes a and c (100); b becomes affordable at 45 each
	 * (k = 25), which overspends, so k = 24 is taken; the completion adds the free d. */
	const char *text = HEAD("100") "PROJECTS\nid;cost\na;60\nb;50\nc;40\nd;0\n"
	                               "VOTES\nv;vote\n1;a,b\n2;a\n3;b,c\n4;c\n5;a,a\n";
	expect_rule(text, PB_MES_ADD1, "a,c,d", "100");
	pb_instance in;
	parse_ok(text, &in);
	pb_outcome out;
	gz_err err;
	assert_int_equal(pb_run(&in, PB_MES_ADD1, true, &out, &err), 0);
	assert_int_equal(out.k, 24);
	assert_int_equal(out.mes_runs, 26);
	assert_false(out.shortcut);
	assert_int_equal(out.mes_selected, 2);
	assert_int_equal(out.notes[3].why, PB_HOW_COMPLETION);
	assert_int_equal(out.notes[1].why, PB_WHY_TOO_EXPENSIVE);
	assert_int_equal(out.notes[1].mes, PB_WHY_UNAFFORDABLE);
	pb_outcome_free(&out);
	pb_instance_free(&in);
}

static void test_mes_add1_shortcut_when_everything_fits(void **state)
{
	(void)state;
	/* E = 30 <= B = 100: the result is MES(B/n + floor(B)), one run. */
	const char *text = HEAD("100.5") "PROJECTS\nid;cost\na;10\nb;20\nc;200\n"
	                                 "VOTES\nv;vote\n1;a\n2;b\n3;a\n";
	expect_rule(text, PB_MES_ADD1, "a,b", "30");
	pb_instance in;
	parse_ok(text, &in);
	pb_outcome out;
	gz_err err;
	assert_int_equal(pb_run(&in, PB_MES_ADD1, false, &out, &err), 0);
	assert_true(out.shortcut);
	assert_int_equal(out.mes_runs, 1);
	assert_int_equal(out.k, 100);
	char *s = pb_format_q(out.per_voter, in.scale);
	assert_string_equal(s, "133.5"); /* 100.5/3 + 100 */
	free(s);
	pb_outcome_free(&out);
	pb_instance_free(&in);
}

static void test_mes_add1_completion_is_greedy_on_the_rest(void **state)
{
	(void)state;
	/* n = 2, B = 10, 5 each: MES takes only r (4, voter 1). With 6 each (k = 1) p, q and
	 * r tie at rho 1 and p, q are taken (12 > 10): so S_0 = {r}. The completion (greedy,
	 * ties by id) adds p with the 6 left; q no longer fits. */
	expect_rule(HEAD("10") "PROJECTS\nid;cost\np;6\nq;6\nr;4\nVOTES\nv;vote\n1;p,r\n2;q\n",
	            PB_MES_ADD1, "r,p", "10");
}

/* ---- explanations ---------------------------------------------------------------- */

typedef struct {
	mpq_t sum;
	size_t n;
} paid_sum;

static void add_payment(void *ctx, uint32_t project, const mpq_t amount)
{
	paid_sum *p = ctx;
	(void)project;
	mpq_add(p->sum, p->sum, amount);
	p->n++;
}

static void test_explanations_add_up(void **state)
{
	(void)state;
	const char *text = HEAD("1000") "PROJECTS\nid;cost\na;300\nb;700\nc;250\nd;90.5\n"
	                                "VOTES\nv;vote\n1;a,b\n2;a,c\n3;b,c,d\n4;d\n5;a,b,c,d\n"
	                                "6;b\n7;c\n";
	pb_instance in;
	parse_ok(text, &in);
	for (int r = PB_MES; r <= PB_MES_ADD1; r++) {
		pb_outcome out;
		gz_err err;
		assert_int_equal(pb_run(&in, (pb_rule)r, true, &out, &err), 0);
		/* every MES selection is paid exactly by its payment groups */
		for (size_t i = 0; i < out.mes_selected; i++) {
			const pb_note *nt = &out.notes[out.selected[i]];
			mpq_t s, t;
			mpq_inits(s, t, NULL);
			for (size_t g = 0; g < nt->npayments; g++) {
				mpq_set_ui(t, nt->payments[g].voters, 1);
				mpq_mul(t, t, nt->payments[g].amount);
				mpq_add(s, s, t);
			}
			mpq_set_z(t, in.projects[out.selected[i]].cost);
			assert_true(mpq_equal(s, t));
			mpq_clears(s, t, NULL);
		}
		/* what all voters paid is the cost of the MES part */
		paid_sum ps;
		mpq_init(ps.sum);
		ps.n = 0;
		for (size_t v = 0; v < in.nvoters; v++)
			pb_voter_payments(&out, v, add_payment, &ps);
		mpz_t mescost;
		mpz_init(mescost);
		for (size_t i = 0; i < out.mes_selected; i++)
			mpz_add(mescost, mescost, in.projects[out.selected[i]].cost);
		mpq_t t;
		mpq_init(t);
		mpq_set_z(t, mescost);
		assert_true(mpq_equal(ps.sum, t));
		assert_true(ps.n > 0);
		char *json = pb_outcome_json(&in, &out, true);
		assert_non_null(strstr(json, "\"projects\":[{\"id\":\"a\""));
		assert_non_null(strstr(json, "\"payments\":[{\"amount\":"));
		free(json);
		mpq_clear(t);
		mpz_clear(mescost);
		mpq_clear(ps.sum);
		pb_outcome_free(&out);
	}
	pb_instance_free(&in);
}

static void test_greedy_explains_the_budget_left_at_each_turn(void **state)
{
	(void)state;
	pb_instance in;
	parse_ok(HEAD("100") "PROJECTS\nid;cost\na;60\nb;50\nc;40\n"
	                     "VOTES\nv;vote\n1;a,b,c\n2;a,b\n3;a\n",
	         &in);
	pb_outcome out;
	gz_err err;
	assert_int_equal(pb_run(&in, PB_GREEDY, true, &out, &err), 0);
	assert_int_equal(out.notes[1].why, PB_WHY_TOO_EXPENSIVE);
	assert_int_equal(mpz_get_ui(out.notes[1].remaining), 40); /* b costs 50 > 40 left */
	assert_int_equal(out.notes[2].why, PB_HOW_GREEDY);
	char *json = pb_outcome_json(&in, &out, true);
	assert_non_null(strstr(json, "{\"id\":\"b\",\"cost\":\"50\",\"approvals\":2,\"selected\":"
	                             "false,\"reason\":\"too_expensive\",\"remaining\":\"40\"}"));
	free(json);
	pb_outcome_free(&out);
	pb_instance_free(&in);
}

/* ---- formatting ------------------------------------------------------------------ */

static void test_amounts_format_exactly(void **state)
{
	(void)state;
	mpz_t z;
	mpz_init_set_ui(z, 96924538);
	char *s = pb_format_z(z, 2);
	assert_string_equal(s, "969245.38");
	free(s);
	mpz_set_ui(z, 5000);
	s = pb_format_z(z, 3);
	assert_string_equal(s, "5");
	free(s);
	mpz_set_ui(z, 5);
	s = pb_format_z(z, 3);
	assert_string_equal(s, "0.005");
	free(s);
	mpz_set_ui(z, 0);
	s = pb_format_z(z, 2);
	assert_string_equal(s, "0");
	free(s);
	mpq_t q;
	mpq_init(q);
	mpq_set_ui(q, 1, 3);
	s = pb_format_q(q, 0);
	assert_string_equal(s, "1/3");
	free(s);
	mpq_set_ui(q, 1, 3);
	s = pb_format_q(q, 2); /* 1/3 hundredths = 1/300 */
	assert_string_equal(s, "1/300");
	free(s);
	mpq_set_ui(q, 5, 8);
	s = pb_format_q(q, 1); /* 0.0625 */
	assert_string_equal(s, "0.0625");
	free(s);
	mpq_clear(q);
	mpz_clear(z);
}

/* ---- differential: the naive rules ------------------------------------------------ */

/* MES exactly as PB-RULES.md writes it: every round, every candidate, approvers sorted. */
static size_t naive_mes(const pb_instance *in, const mpq_t start, uint32_t *sel, mpz_t cost)
{
	size_t n = in->nvoters, np = in->nprojects, nsel = 0;
	mpq_t *m = malloc((n ? n : 1) * sizeof *m);
	for (size_t i = 0; i < n; i++) {
		mpq_init(m[i]);
		mpq_set(m[i], start);
	}
	bool *cand = calloc(np ? np : 1, sizeof *cand);
	for (size_t p = 0; p < np; p++)
		cand[p] = mpz_sgn(in->projects[p].cost) > 0 && in->projects[p].approvals > 0;
	mpq_t q, bq, paid, t, c, rho, brho;
	mpq_inits(q, bq, paid, t, c, rho, brho, NULL);
	mpz_set_ui(cost, 0);
	mpq_t *ms = malloc((n ? n : 1) * sizeof *ms);
	for (size_t i = 0; i < n; i++)
		mpq_init(ms[i]);
	for (;;) {
		long best = -1;
		for (size_t p = 0; p < np; p++) {
			if (!cand[p])
				continue;
			size_t k = 0;
			mpq_set_ui(t, 0, 1);
			for (size_t j = in->sup_start[p]; j < in->sup_start[p + 1]; j++) {
				mpq_set(ms[k++], m[in->sup_items[j]]);
				mpq_add(t, t, m[in->sup_items[j]]);
			}
			mpq_set_z(c, in->projects[p].cost);
			if (mpq_cmp(t, c) < 0) {
				cand[p] = false;
				continue;
			}
			/* insertion sort ascending */
			for (size_t a = 1; a < k; a++)
				for (size_t b = a; b > 0 && mpq_cmp(ms[b - 1], ms[b]) > 0; b--)
					mpq_swap(ms[b - 1], ms[b]);
			mpq_set_ui(paid, 0, 1);
			for (size_t a = 0; a < k; a++) {
				mpq_sub(t, c, paid);
				mpq_set_ui(q, (unsigned long)(k - a), 1);
				mpq_div(q, t, q);
				if (mpq_cmp(ms[a], q) >= 0)
					break;
				mpq_add(paid, paid, ms[a]);
			}
			mpq_div(rho, q, c);
			int cmp = best < 0 ? -1 : mpq_cmp(rho, brho);
			if (cmp < 0 ||
			    (cmp == 0 && pb_id_cmp(&in->projects[p], &in->projects[best]) < 0)) {
				best = (long)p;
				mpq_set(brho, rho);
				mpq_set(bq, q);
			}
		}
		if (best < 0)
			break;
		for (size_t j = in->sup_start[best]; j < in->sup_start[best + 1]; j++) {
			mpq_t *mi = &m[in->sup_items[j]];
			if (mpq_cmp(*mi, bq) <= 0)
				mpq_set_ui(*mi, 0, 1);
			else
				mpq_sub(*mi, *mi, bq);
		}
		cand[best] = false;
		sel[nsel++] = (uint32_t)best;
		mpz_add(cost, cost, in->projects[best].cost);
	}
	for (size_t i = 0; i < n; i++) {
		mpq_clear(m[i]);
		mpq_clear(ms[i]);
	}
	free(m);
	free(ms);
	free(cand);
	mpq_clears(q, bq, paid, t, c, rho, brho, NULL);
	return nsel;
}

static int naive_greedy_cmp_in(const pb_instance *in, uint32_t a, uint32_t b)
{
	const pb_project *x = &in->projects[a], *y = &in->projects[b];
	if (x->approvals != y->approvals)
		return x->approvals > y->approvals ? -1 : 1;
	return pb_id_cmp(x, y);
}

static void naive_greedy(const pb_instance *in, bool *taken, mpz_t remaining, uint32_t *sel,
                         size_t *nsel, mpz_t cost)
{
	size_t np = in->nprojects;
	uint32_t *order = malloc((np ? np : 1) * sizeof *order);
	for (size_t p = 0; p < np; p++)
		order[p] = (uint32_t)p;
	for (size_t a = 1; a < np; a++)
		for (size_t b = a; b > 0 && naive_greedy_cmp_in(in, order[b - 1], order[b]) > 0;
		     b--) {
			uint32_t t = order[b];
			order[b] = order[b - 1];
			order[b - 1] = t;
		}
	for (size_t i = 0; i < np; i++) {
		uint32_t p = order[i];
		if (taken[p] || mpz_cmp(in->projects[p].cost, remaining) > 0)
			continue;
		mpz_sub(remaining, remaining, in->projects[p].cost);
		mpz_add(cost, cost, in->projects[p].cost);
		taken[p] = true;
		sel[(*nsel)++] = p;
	}
	free(order);
}

/* The rule by the naive way, as "id,id" (in selection order). */
static char *naive_rule(const pb_instance *in, pb_rule r)
{
	size_t np = in->nprojects, nsel = 0;
	uint32_t *sel = malloc((np ? np : 1) * sizeof *sel),
	         *cur = malloc((np ? np : 1) * sizeof *cur);
	bool *taken = calloc(np ? np : 1, sizeof *taken);
	mpz_t cost, c2, rem, unit, bfloor;
	mpz_inits(cost, c2, rem, unit, bfloor, NULL);
	mpq_t start;
	mpq_init(start);
	mpq_set_num(start, in->budget);
	mpz_set_ui(unit, in->nvoters);
	mpq_set_den(start, unit);
	mpq_canonicalize(start);
	mpz_ui_pow_ui(unit, 10, in->scale);
	mpz_fdiv_q(bfloor, in->budget, unit);
	if (r == PB_GREEDY) {
		mpz_set(rem, in->budget);
		naive_greedy(in, taken, rem, sel, &nsel, cost);
	} else {
		nsel = naive_mes(in, start, sel, cost);
		if (r == PB_MES_ADD1) {
			mpq_t s;
			mpq_init(s);
			for (unsigned long k = 1; mpz_cmp_ui(bfloor, k) >= 0; k++) {
				mpq_set_z(s, unit);
				mpq_t kk;
				mpq_init(kk);
				mpq_set_ui(kk, k, 1);
				mpq_mul(s, s, kk);
				mpq_clear(kk);
				mpq_add(s, s, start);
				size_t n2 = naive_mes(in, s, cur, c2);
				if (mpz_cmp(c2, in->budget) > 0)
					break;
				memcpy(sel, cur, n2 * sizeof *cur);
				nsel = n2;
				mpz_set(cost, c2);
			}
			mpq_clear(s);
			for (size_t i = 0; i < nsel; i++)
				taken[sel[i]] = true;
			mpz_sub(rem, in->budget, cost);
			naive_greedy(in, taken, rem, sel, &nsel, cost);
		}
	}
	size_t cap = 16;
	for (size_t i = 0; i < nsel; i++)
		cap += in->projects[sel[i]].id_len + 1;
	char *s = calloc(1, cap);
	for (size_t i = 0; i < nsel; i++) {
		if (i)
			strcat(s, ",");
		strncat(s, in->projects[sel[i]].id, in->projects[sel[i]].id_len);
	}
	free(sel);
	free(cur);
	free(taken);
	mpz_clears(cost, c2, rem, unit, bfloor, NULL);
	mpq_clear(start);
	return s;
}

static uint64_t rng_state = 0x9E3779B97F4A7C15u;
static uint64_t rnd(void)
{
	uint64_t z = (rng_state += 0x9E3779B97F4A7C15u);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
	return z ^ (z >> 31);
}

/* A random small instance as .pb text. big: amounts times 10^20 (beyond int64 floors). */
static void random_instance(char *buf, size_t cap, bool big)
{
	static const char *const ids[] = {"1", "2", "10", "9", "a", "B", "ab", "公园", "B1", "B10"};
	size_t np = 1 + rnd() % 8, n = 1 + rnd() % 12;
	const char *zeros = big ? "00000000000000000000" : "";
	size_t o = 0;
	unsigned long budget = 1 + rnd() % 120;
	o += (size_t)snprintf(buf + o, cap - o,
	                      "META\nkey;value\nvote_type;approval\nbudget;%lu%s%s\n", budget,
	                      zeros, rnd() % 4 == 0 ? ".5" : "");
	o += (size_t)snprintf(buf + o, cap - o, "PROJECTS\nproject_id;cost\n");
	for (size_t p = 0; p < np; p++) {
		unsigned long cost = rnd() % 7 == 0 ? 0 : rnd() % 60;
		const char *frac = rnd() % 5 == 0 ? ".25" : rnd() % 7 == 0 ? ".1" : "";
		o += (size_t)snprintf(buf + o, cap - o, "%s;%lu%s%s\n", ids[p], cost,
		                      cost ? zeros : "", frac);
	}
	o += (size_t)snprintf(buf + o, cap - o, "VOTES\nvoter_id;vote\n");
	/* voters in a few groups with the same ballots, so money ties are common */
	uint32_t ballots[4];
	for (int g = 0; g < 4; g++)
		ballots[g] = (uint32_t)(rnd() & ((1u << np) - 1));
	for (size_t v = 0; v < n; v++) {
		uint32_t b = rnd() % 3 ? ballots[rnd() % 4] : (uint32_t)(rnd() & ((1u << np) - 1));
		o += (size_t)snprintf(buf + o, cap - o, "%zu;", v);
		bool first = true;
		for (size_t p = 0; p < np; p++)
			if (b >> p & 1) {
				o += (size_t)snprintf(buf + o, cap - o, "%s%s", first ? "" : ",",
				                      ids[p]);
				first = false;
			}
		o += (size_t)snprintf(buf + o, cap - o, "\n");
	}
}

static void test_rules_agree_with_the_naive_definition_on_random_instances(void **state)
{
	(void)state;
	char buf[4096];
	for (int iter = 0; iter < 3000; iter++) {
		bool big = iter % 10 == 9;
		random_instance(buf, sizeof buf, big);
		pb_instance in;
		parse_ok(buf, &in);
		for (int r = PB_GREEDY; r <= PB_MES_ADD1; r++) {
			if (big && r == PB_MES_ADD1)
				continue; /* the naive add-1 loop would run ~10^20 times */
			char *fast = run_rule(&in, (pb_rule)r, NULL);
			char *slow = naive_rule(&in, (pb_rule)r);
			if (strcmp(fast, slow) != 0)
				fail_msg("%s differs: [%s] vs naive [%s] on\n%s",
				         pb_rule_name((pb_rule)r), fast, slow, buf);
			free(fast);
			free(slow);
		}
		pb_instance_free(&in);
	}
}

/* Medium instances (hundreds of voters in clusters, decimal costs): MES runs deep enough
 * for voters to pay many times, partial payments and near-ties between money bounds. */
static void test_mes_agrees_with_the_naive_definition_on_medium_instances(void **state)
{
	(void)state;
	size_t cap = 1 << 16;
	char *buf = malloc(cap);
	for (int iter = 0; iter < 25; iter++) {
		size_t np = 8 + rnd() % 9, n = 100 + rnd() % 300, o = 0;
		o += (size_t)snprintf(buf + o, cap - o,
		                      "META\nkey;value\nvote_type;approval\nbudget;%lu.%02lu\n"
		                      "PROJECTS\nproject_id;cost\n",
		                      (unsigned long)(500 + rnd() % 5000),
		                      (unsigned long)(rnd() % 100));
		for (size_t p = 0; p < np; p++)
			o += (size_t)snprintf(buf + o, cap - o, "m%zu;%lu.%02lu\n", p,
			                      (unsigned long)(rnd() % 900),
			                      (unsigned long)(rnd() % 100));
		o += (size_t)snprintf(buf + o, cap - o, "VOTES\nvoter_id;vote\n");
		uint32_t ballots[6];
		for (int g = 0; g < 6; g++)
			ballots[g] = (uint32_t)(rnd() & ((1u << np) - 1));
		for (size_t v = 0; v < n; v++) {
			uint32_t b =
			    rnd() % 4 ? ballots[rnd() % 6] : (uint32_t)(rnd() & ((1u << np) - 1));
			o += (size_t)snprintf(buf + o, cap - o, "%zu;", v);
			bool first = true;
			for (size_t p = 0; p < np; p++)
				if (b >> p & 1) {
					o += (size_t)snprintf(buf + o, cap - o, "%sm%zu",
					                      first ? "" : ",", p);
					first = false;
				}
			o += (size_t)snprintf(buf + o, cap - o, "\n");
		}
		pb_instance in;
		parse_ok(buf, &in);
		char *fast = run_rule(&in, PB_MES, NULL);
		char *slow = naive_rule(&in, PB_MES);
		if (strcmp(fast, slow) != 0)
			fail_msg("mes differs: [%s] vs naive [%s] on\n%s", fast, slow, buf);
		free(fast);
		free(slow);
		pb_instance_free(&in);
	}
	free(buf);
}

static void test_round_text_reads_back_with_its_costs_votes_and_odd_names(void **state)
{
	(void)state;
	pb_round_project p[] = {
	    {"12", "健身器材; 更新", 1234567},       /* a ';' in the name */
	    {"3", "\"口袋公园\"改造\n二期", 50},     /* quotes and a line break */
	    {"40", " 楼道照明 ", 0},                /* white space at the ends, cost 0 */
	};
	/* Voter 0 approves 12 and 40, voter 1 nothing, voter 2 approves 3. */
	size_t start[] = {0, 2, 2, 3};
	uint32_t items[] = {0, 2, 1};
	char *text = pb_round_text("2026年 \"民生微实事\"", 5000001, "mes-add1", p, 3, start, items, 3);
	pb_instance in;
	gz_err err;
	gz_err_clear(&err);
	assert_int_equal(pb_parse(text, strlen(text), &in, &err), 0);
	assert_int_equal(in.scale, 2);
	assert_int_equal(mpz_get_si(in.budget), 5000001);
	assert_int_equal(in.nprojects, 3);
	assert_string_equal(in.projects[0].id, "12");
	assert_string_equal(in.projects[0].name, "健身器材; 更新");
	assert_string_equal(in.rule, "mes-add1");
	assert_int_equal(mpz_get_si(in.projects[0].cost), 1234567);
	assert_int_equal(mpz_get_si(in.projects[1].cost), 50);
	assert_int_equal(mpz_get_si(in.projects[2].cost), 0);
	assert_int_equal(in.nvoters, 3);
	assert_int_equal(in.projects[0].approvals, 1);
	assert_int_equal(in.projects[1].approvals, 1);
	assert_int_equal(in.projects[2].approvals, 1);
	assert_non_null(strstr(text, "budget;50000.01\n"));
	assert_non_null(strstr(text, "12;12345.67;\"健身器材; 更新\";1\n"));
	assert_non_null(strstr(text, "3;0.50;\"\"\"口袋公园\"\"改造 二期\";1\n"));
	assert_non_null(strstr(text, "\n2;\n"));
	pb_outcome out;
	assert_int_equal(pb_run(&in, PB_GREEDY, false, &out, &err), 0);
	assert_int_equal(out.nselected, 3);
	pb_outcome_free(&out);
	pb_instance_free(&in);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_pb_parse_reads_sections_fields_and_numbers),
	    cmocka_unit_test(test_round_text_reads_back_with_its_costs_votes_and_odd_names),
	    cmocka_unit_test(test_pb_parse_trims_unicode_white_space),
	    cmocka_unit_test(test_pb_parse_vote_items_are_not_trimmed),
	    cmocka_unit_test(test_pb_parse_rejects_invalid_utf8_naming_the_line),
	    cmocka_unit_test(test_pb_parse_rejects_bad_quotes),
	    cmocka_unit_test(test_pb_parse_rejects_missing_repeated_and_out_of_order_sections),
	    cmocka_unit_test(test_pb_parse_rejects_a_missing_header),
	    cmocka_unit_test(test_pb_parse_rejects_missing_cost_and_vote_columns),
	    cmocka_unit_test(test_pb_parse_rejects_vote_type_other_than_approval),
	    cmocka_unit_test(test_pb_parse_rejects_budget_missing_or_not_a_number),
	    cmocka_unit_test(test_pb_parse_rejects_cost_missing_or_not_a_number),
	    cmocka_unit_test(test_pb_parse_rejects_empty_and_duplicate_ids_and_no_projects),
	    cmocka_unit_test(test_pb_parse_rejects_no_voters_and_unknown_projects),
	    cmocka_unit_test(test_pb_parse_rejects_rows_longer_than_their_header),
	    cmocka_unit_test(test_pb_parse_rejects_text_before_meta),
	    cmocka_unit_test(test_greedy_skips_what_does_not_fit_and_goes_on),
	    cmocka_unit_test(test_greedy_ties_by_id_in_byte_order),
	    cmocka_unit_test(test_greedy_zero_cost_always_and_unapproved_last),
	    cmocka_unit_test(test_mes_selects_by_rho_not_by_price),
	    cmocka_unit_test(test_mes_equal_rho_ties_by_id),
	    cmocka_unit_test(test_mes_never_selects_zero_cost_or_unapproved),
	    cmocka_unit_test(test_mes_unfundable_project_is_dropped),
	    cmocka_unit_test(test_mes_short_approvers_pay_what_they_have),
	    cmocka_unit_test(test_mes_add1_raises_the_budget_until_the_next_would_overspend),
	    cmocka_unit_test(test_mes_add1_shortcut_when_everything_fits),
	    cmocka_unit_test(test_mes_add1_completion_is_greedy_on_the_rest),
	    cmocka_unit_test(test_explanations_add_up),
	    cmocka_unit_test(test_greedy_explains_the_budget_left_at_each_turn),
	    cmocka_unit_test(test_amounts_format_exactly),
	    cmocka_unit_test(test_rules_agree_with_the_naive_definition_on_random_instances),
	    cmocka_unit_test(test_mes_agrees_with_the_naive_definition_on_medium_instances),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
