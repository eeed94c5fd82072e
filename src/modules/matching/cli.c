/* gongzhi match: the exact fair matching of one instance file (issue 11, item 5). No
 * database: the instance says everything, so the same file gives the same result on
 * any machine. */
#include "modules/matching/matching.h"
#include "core/file.h"
#include "core/json.h"
#include "modules/matching/instance.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char gz_cli_match_usage[] =
    "gongzhi match --in INSTANCE.json [--out RESULT.json] [--explain]\n"
    "\n"
    "  Finds the exact optimum of the supply-demand matching (供需对接) of an instance:\n"
    "  pairs (need, provider), each need at most once and each provider at most cap\n"
    "  times, a pair only if the provider has the need's skill and is within its radius,\n"
    "  minimising  sum d + sum_j lambda*k_j*(k_j-1)/2 - sum B*w  (docs/MATCHING.md).\n"
    "\n"
    "  Instance: {\"B\":1000,\"lambda\":300,\n"
    "             \"needs\":[{\"id\":\"n1\",\"skill\":\"陪诊\",\"x\":120,\"y\":-340,\"w\":3}],\n"
    "             \"providers\":[{\"id\":\"p1\",\"skills\":[\"陪诊\",\"助餐\"],\"x\":0,\"y\":0,\n"
    "                          \"radius\":2000,\"cap\":3}]}\n"
    "  integers throughout (metres on a local plane, |x|,|y| <= 10^9); ids unique among\n"
    "  needs and among providers; at most 16 MiB.\n"
    "  Result: {\"objective\":-2639,\"pairs\":[[\"n1\",\"p1\"]]}, pairs in the needs' order.\n"
    "\n"
    "  --out FILE  write the result there (replaced whole) instead of standard output\n"
    "  --explain   add the objective's parts, each pair's reasons (skill, distance, the\n"
    "              provider's load, priority) and the engine's figures\n"
    "\n"
    "  Exit 0 with a result (an instance with no needs or no providers gives objective 0\n"
    "  and no pairs), 1 if the instance is refused (every reason on standard error), 2 on\n"
    "  bad usage.\n";

static int usage(const char *msg)
{
	fprintf(stderr, "gongzhi match: %s (see 'gongzhi match --help')\n", msg);
	return 2;
}

static int refuse(const char *file, const gz_err *err)
{
	fprintf(stderr, "gongzhi match: %s: %s\n", file, err->message);
	for (int f = 0; f < err->nfields; f++)
		fprintf(stderr, "  %s: %s\n", err->fields[f].name, err->fields[f].why);
	return 1;
}

/* Writes text to path through a temporary file renamed over it, so a failed write
 * never leaves half a result. Returns 0, or -1 after printing why. */
static int write_whole(const char *path, const char *text, size_t len)
{
	size_t n = strlen(path) + 32;
	char *tmp = malloc(n);
	snprintf(tmp, n, "%s.tmp.%ld", path, (long)getpid());
	FILE *f = fopen(tmp, "wb");
	int ok = f && fwrite(text, 1, len, f) == len && fputc('\n', f) != EOF;
	if (f && fclose(f) != 0)
		ok = 0;
	if (ok && rename(tmp, path) == 0) {
		free(tmp);
		return 0;
	}
	fprintf(stderr, "gongzhi match: cannot write %s: %s\n", path, strerror(errno));
	unlink(tmp);
	free(tmp);
	return -1;
}

int gz_cli_match(int argc, char **argv)
{
	const char *in = NULL, *out = NULL;
	bool explain = false;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--in") && i + 1 < argc)
			in = argv[++i];
		else if (!strncmp(argv[i], "--in=", 5))
			in = argv[i] + 5;
		else if (!strcmp(argv[i], "--out") && i + 1 < argc)
			out = argv[++i];
		else if (!strncmp(argv[i], "--out=", 6))
			out = argv[i] + 6;
		else if (!strcmp(argv[i], "--explain"))
			explain = true;
		else
			return usage(!strcmp(argv[i], "--in") || !strcmp(argv[i], "--out")
			                 ? "option needs a FILE"
			                 : "unknown argument");
	}
	if (!in || !*in)
		return usage("missing --in INSTANCE.json");
	if (out && !*out)
		return usage("empty --out");
	gz_err err;
	gz_err_clear(&err);
	size_t len = 0;
	char *buf = gz_file_read(in, MATCH_MAX_JSON, &len, &err);
	if (!buf)
		return refuse(in, &err);
	match_instance inst;
	int rc = match_instance_parse(buf, len, &inst, &err);
	free(buf);
	if (rc < 0)
		return refuse(in, &err);
	match_result r;
	if (match_solve(&inst.p, &r, &err) < 0) {
		match_instance_free(&inst);
		return refuse(in, &err);
	}
	json_t *doc = match_result_json(&inst, &r, explain);
	size_t n = 0;
	char *text = gz_json_dump(doc, &n);
	json_decref(doc);
	match_result_free(&r);
	match_instance_free(&inst);
	rc = 0;
	if (out)
		rc = write_whole(out, text, n) < 0 ? 1 : 0;
	else if (fwrite(text, 1, n, stdout) != n || fputc('\n', stdout) == EOF ||
	         fflush(stdout) != 0)
		rc = 1;
	free(text);
	return rc;
}
