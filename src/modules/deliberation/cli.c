/* gongzhi tally and gongzhi pb: the deliberation module's command line. Both read one
 * file, print one JSON object on stdout and exit 0; a file the rules reject gets a message
 * naming the row/line on stderr, nothing on stdout, exit 2. No database. */
#include "modules/deliberation/cli.h"
#include "core/arena.h"
#include "core/json.h"
#include "modules/deliberation/ballots.h"
#include "modules/deliberation/deliberation.h"
#include "modules/deliberation/pb.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

const char gz_delib_tally_usage[] =
    "gongzhi tally --rule RULE FILE.csv\n"
    "gongzhi tally --rule custom [--participation LIST] [--approval LIST] FILE.csv\n"
    "  Counts paper ballots exactly and prints the result as JSON:\n"
    "  {\"rule\",\"eligible\":{\"owners\",\"area\"},\"participating\":{…},\"agree\":{…},\n"
    "   \"participation_met\",\"approval_met\",\"passed\",\"thresholds\":[…]}\n"
    "  (areas as strings with two decimals, null when the file has no area).\n"
    "  RULE: owners_general, owners_major (Civil Code art. 278; FILE has the header\n"
    "        unit,owner,area,vote; owner @developer for units the developer holds),\n"
    "        residents_meeting (header person,vote), simple_majority, two_thirds (either\n"
    "        header), custom (LIST: thresholds like heads>=2/3,area>=2/3 or heads>1/2;\n"
    "        >= means 以上, > means 过半数).\n"
    "  vote: agree, oppose, abstain, 同意, 反对, 弃权, or empty (did not take part).\n"
    "  Exit 0 with the result; exit 2 with a message naming the row on stderr (and\n"
    "  nothing on stdout) for any bad row; exit 1 if the file cannot be read.\n"
    "  Rules: docs/DELIBERATION.md.\n";

/* The whole file, mapped read-only ("" for an empty one). Returns 0, or -1 after printing
 * why (prefix is the command's name). */
int gz_delib_map_file(const char *prefix, const char *path, size_t max, gz_delib_file *f)
{
	f->buf = "";
	f->len = 0;
	f->map = NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat sb;
	if (fd < 0 || fstat(fd, &sb) < 0) {
		fprintf(stderr, "%s: cannot open %s: %s\n", prefix, path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (!S_ISREG(sb.st_mode) || (size_t)sb.st_size > max) {
		fprintf(stderr, "%s: %s: not a regular file or larger than %zu bytes\n", prefix,
		        path, max);
		close(fd);
		return -1;
	}
	f->len = (size_t)sb.st_size;
	if (f->len) {
		f->map = mmap(NULL, f->len, PROT_READ, MAP_PRIVATE, fd, 0);
		if (f->map == MAP_FAILED) {
			fprintf(stderr, "%s: %s: %s\n", prefix, path, strerror(errno));
			f->map = NULL;
			close(fd);
			return -1;
		}
		f->buf = f->map;
	}
	close(fd);
	return 0;
}

void gz_delib_unmap_file(gz_delib_file *f)
{
	if (f->map)
		munmap(f->map, f->len);
	f->map = NULL;
}

static const char *opt_value(int argc, char **argv, int *i, const char *flag)
{
	size_t n = strlen(flag);
	if (strncmp(argv[*i], flag, n) != 0)
		return NULL;
	if (argv[*i][n] == '=')
		return argv[*i] + n + 1;
	if (argv[*i][n] == '\0' && *i + 1 < argc)
		return argv[++*i];
	return NULL;
}

static int usage(const char *cmd, const char *what)
{
	fprintf(stderr, "gongzhi %s: %s (see 'gongzhi %s --help')\n", cmd, what, cmd);
	return 2;
}

#define TALLY_MAX_FILE ((size_t)256 * 1024 * 1024)

int gz_delib_tally(int argc, char **argv)
{
	const char *rule_name = NULL, *part = NULL, *appr = NULL, *file = NULL, *v;
	for (int i = 1; i < argc; i++) {
		if ((v = opt_value(argc, argv, &i, "--rule")))
			rule_name = v;
		else if ((v = opt_value(argc, argv, &i, "--participation")))
			part = v;
		else if ((v = opt_value(argc, argv, &i, "--approval")))
			appr = v;
		else if (argv[i][0] == '-' && argv[i][1])
			return usage("tally", "unknown option or missing value");
		else if (!file)
			file = argv[i];
		else
			return usage("tally", "one FILE only");
	}
	if (!rule_name)
		return usage("tally", "missing --rule");
	if (!file)
		return usage("tally", "missing FILE.csv");
	vote_rule rule;
	gz_err err;
	gz_err_clear(&err);
	if (!strcmp(rule_name, "custom")) {
		if (vote_rule_custom(part, appr, &rule, &err) < 0) {
			fprintf(stderr, "gongzhi tally: %s\n", err.message);
			return 2;
		}
	} else if (part || appr) {
		return usage("tally", "--participation and --approval go with --rule custom");
	} else if (vote_rule_builtin(rule_name, &rule) < 0) {
		return usage("tally", "unknown rule (owners_general, owners_major, "
		                      "residents_meeting, simple_majority, two_thirds, custom)");
	}
	gz_delib_file f;
	if (gz_delib_map_file("gongzhi tally", file, TALLY_MAX_FILE, &f) < 0)
		return 1;
	gz_arena arena;
	gz_arena_init(&arena);
	vote_ballots b;
	vote_counts counts;
	vote_result res;
	int rc = 2;
	if (vote_ballots_read_csv(f.buf, f.len, rule.electorate, &arena, &b, &err) == 0 &&
	    vote_ballots_count(&b, &counts, &err) == 0 &&
	    vote_decide(&rule, &counts, &res, &err) == 0) {
		json_t *o = vote_result_json(&rule, &counts, &res);
		char *s = gz_json_dump(o, NULL);
		printf("%s\n", s);
		free(s);
		json_decref(o);
		rc = 0;
	} else {
		fprintf(stderr, "gongzhi tally: %s: %s\n", file, err.message);
	}
	gz_arena_free(&arena);
	gz_delib_unmap_file(&f);
	return rc;
}

/* ---- gongzhi pb ------------------------------------------------------------------- */

const char gz_delib_pb_usage[] =
    "gongzhi pb --rule greedy|mes|mes-add1 [--explain] [--stats] FILE.pb\n"
    "  Computes the winners of a participatory budget from a pabulib .pb file, exactly as\n"
    "  PB-RULES.md defines the rules (exact rationals, ties by project id in byte order),\n"
    "  and prints {\"rule\",\"budget\",\"selected\":[ids],\"cost\"} (amounts as exact decimal\n"
    "  strings). --explain adds \"voters\", \"mes\" (start money per voter; for mes-add1 the\n"
    "  budget increase k and the number of MES runs) and \"projects\": per project whether\n"
    "  and how it was selected, why not (too_expensive, unaffordable, not_candidate), the\n"
    "  budget left at its greedy turn, and under MES its price per approver and who paid how\n"
    "  much. --stats prints timings and the MES run count on stderr.\n"
    "  Exit 0 with the result; exit 2 with a message naming the line on stderr (and nothing\n"
    "  on stdout) for a file the rules reject; exit 1 if the file cannot be read.\n"
    "  Rules and format: docs/DELIBERATION.md.\n";

#define PB_MAX_FILE ((size_t)1024 * 1024 * 1024)

static int64_t now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int gz_delib_pb(int argc, char **argv)
{
	const char *rule_name = NULL, *file = NULL, *v;
	bool explain = false, stats = false;
	for (int i = 1; i < argc; i++) {
		if ((v = opt_value(argc, argv, &i, "--rule")))
			rule_name = v;
		else if (!strcmp(argv[i], "--explain"))
			explain = true;
		else if (!strcmp(argv[i], "--stats"))
			stats = true;
		else if (argv[i][0] == '-' && argv[i][1])
			return usage("pb", "unknown option or missing value");
		else if (!file)
			file = argv[i];
		else
			return usage("pb", "one FILE only");
	}
	pb_rule rule;
	if (!rule_name)
		return usage("pb", "missing --rule");
	if (pb_rule_parse(rule_name, &rule) < 0)
		return usage("pb", "unknown rule (greedy, mes, mes-add1)");
	if (!file)
		return usage("pb", "missing FILE.pb");
	gz_delib_file f;
	if (gz_delib_map_file("gongzhi pb", file, PB_MAX_FILE, &f) < 0)
		return 1;
	gz_err err;
	gz_err_clear(&err);
	pb_instance in;
	int64_t t0 = now_us();
	int rc = pb_parse(f.buf, f.len, &in, &err);
	gz_delib_unmap_file(&f);
	if (rc < 0) {
		fprintf(stderr, "gongzhi pb: %s: %s\n", file, err.message);
		return 2;
	}
	int64_t t1 = now_us();
	pb_outcome out;
	if (pb_run(&in, rule, explain, &out, &err) < 0) {
		fprintf(stderr, "gongzhi pb: %s: %s\n", file, err.message);
		pb_instance_free(&in);
		return 2;
	}
	int64_t t2 = now_us();
	char *s = pb_outcome_json(&in, &out, explain);
	printf("%s\n", s);
	free(s);
	if (stats)
		fprintf(stderr,
		        "pb: rule=%s voters=%zu projects=%zu parse_ms=%lld rule_ms=%lld "
		        "mes_runs=%zu k=%llu shortcut=%d selected=%zu\n",
		        pb_rule_name(rule), in.nvoters, in.nprojects, (long long)(t1 - t0) / 1000,
		        (long long)(t2 - t1) / 1000, out.mes_runs, (unsigned long long)out.k,
		        out.shortcut ? 1 : 0, out.nselected);
	pb_outcome_free(&out);
	pb_instance_free(&in);
	return 0;
}
