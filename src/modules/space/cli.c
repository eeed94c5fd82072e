/* gongzhi import: grids from GeoJSON, and streets/communities by hand. The same
 * functions as the HTTP API (api/space.h), so the rules and the report are the same;
 * changes are audited as "cli". */
#include "modules/space/space.h"
#include "cli/cli.h"
#include "core/file.h"
#include "core/json.h"
#include "db/db.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char gz_cli_import_usage[] =
    "gongzhi [--db URL] import COMMAND ...\n"
    "\n"
    "  import grids [--dry-run] [--json] FILE.geojson\n"
    "      Import a GeoJSON FeatureCollection of grids (Polygon or MultiPolygon, WGS84\n"
    "      lon/lat) with properties code (15 digits: county 6 + street 3 + community 3\n"
    "      + grid 3) and name, optionally street_name and community_name. Everything is\n"
    "      checked first (geometry validity, coordinates, codes, overlaps within a\n"
    "      community; gaps are warnings); one error and nothing is imported. A grid\n"
    "      whose code exists is replaced. Missing streets and communities are created\n"
    "      (named by street_name / community_name, else by their code).\n"
    "      --dry-run checks and reports without writing; --json prints the report as\n"
    "      JSON. At most 16 MiB and 20000 features. Exit 1 if there are errors.\n"
    "  import street CODE NAME\n"
    "      Create a street (9-digit code).\n"
    "  import community CODE NAME\n"
    "      Create a community (12-digit code); its street must exist.\n"
    "  import residents ..., import units ...\n"
    "      Residents and units (CSV/xlsx): see 'gongzhi import residents --help'.\n"
    "\n"
    "  --db URL may also follow the command. Environment: GONGZHI_DB; for residents and\n"
    "  units also GONGZHI_KEY_FILE (the personal-data key; with SQLite, PATH.key next to\n"
    "  the database by default). Rules: docs/SPACE.md, docs/SECURITY.md (Personal data).\n";

static int usage(const char *msg)
{
	fprintf(stderr, "gongzhi import: %s (see 'gongzhi import --help')\n", msg);
	return 2;
}

static void print_report(const json_t *rep)
{
	size_t i;
	json_t *e;
	json_array_foreach(json_object_get(rep, "errors"), i, e)
	{
		json_t *f = json_object_get(e, "feature"), *loc = json_object_get(e, "location");
		const char *code = json_string_value(json_object_get(e, "code"));
		const char *detail = json_string_value(json_object_get(e, "detail"));
		printf("错误  ");
		if (json_is_integer(f))
			printf("要素 #%lld ", (long long)json_integer_value(f));
		if (code)
			printf("(%s) ", code);
		printf("%s: %s", json_string_value(json_object_get(e, "field")),
		       json_string_value(json_object_get(e, "reason")));
		if (detail)
			printf(" [%s]", detail);
		if (json_is_array(loc))
			printf("  位置 %.7f, %.7f", json_number_value(json_array_get(loc, 0)),
			       json_number_value(json_array_get(loc, 1)));
		printf("\n");
	}
	json_array_foreach(json_object_get(rep, "warnings"), i, e)
	{
		json_t *loc = json_object_get(e, "location");
		printf("警告  社区 %s: %s，面积 %.2f 平方米",
		       json_string_value(json_object_get(e, "community")),
		       json_string_value(json_object_get(e, "reason")),
		       json_number_value(json_object_get(e, "area_m2")));
		if (json_is_array(loc))
			printf("  位置 %.7f, %.7f", json_number_value(json_array_get(loc, 0)),
			       json_number_value(json_array_get(loc, 1)));
		printf("\n");
	}
	long long nerr = json_integer_value(json_object_get(rep, "error_count"));
	bool dry = json_is_true(json_object_get(rep, "dry_run"));
	if (nerr > 0) {
		if (json_is_true(json_object_get(rep, "errors_truncated")))
			printf("（只列出前 %zu 个错误）\n",
			       json_array_size(json_object_get(rep, "errors")));
		printf("导入未执行：%lld 个错误，没有导入任何网格。\n", nerr);
		return;
	}
	printf("%s%lld 个要素：新建网格 %lld 个，替换 %lld 个；新建街道 %lld 个，社区 %lld 个",
	       dry ? "检查通过（--dry-run，未写入）：" : "导入成功：",
	       (long long)json_integer_value(json_object_get(rep, "features")),
	       (long long)json_integer_value(json_object_get(rep, "created")),
	       (long long)json_integer_value(json_object_get(rep, "replaced")),
	       (long long)json_integer_value(json_object_get(rep, "streets_created")),
	       (long long)json_integer_value(json_object_get(rep, "communities_created")));
	if (!dry)
		printf("（空间版本 %lld）",
		       (long long)json_integer_value(json_object_get(rep, "space_version")));
	printf("。\n");
}

static int import_grids(int argc, char **argv)
{
	const char *file = NULL;
	bool dry_run = false, as_json = false;
	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--dry-run"))
			dry_run = true;
		else if (!strcmp(argv[i], "--json"))
			as_json = true;
		else if (argv[i][0] == '-' && argv[i][1])
			return usage("unknown option");
		else if (!file)
			file = argv[i];
		else
			return usage("one FILE only");
	}
	if (!file)
		return usage("missing FILE.geojson");
	size_t len = 0;
	gz_err err;
	gz_err_clear(&err);
	char *buf = gz_file_read(file, GZ_SPACE_IMPORT_MAX_BYTES, &len, &err);
	if (!buf) {
		fprintf(stderr, "gongzhi import: %s: %s\n", file, err.message);
		return 1;
	}
	json_t *doc = gz_json_parse(buf, len, GZ_JSON_MAX_DEPTH, &err);
	free(buf);
	if (!doc) {
		fprintf(stderr, "gongzhi import: %s: %s\n", file, err.message);
		return 1;
	}
	gz_db *db = gz_cli_open_db();
	if (!db) {
		json_decref(doc);
		return 1;
	}
	json_t *report = NULL;
	gz_actor op;
	gz_actor_operator(&op);
	int rc = gz_space_import(db, &op, doc, dry_run, &report, &err);
	json_decref(doc);
	gz_db_close(db);
	if (rc < 0) {
		fprintf(stderr, "gongzhi import: %s\n", err.message);
		return 1;
	}
	if (as_json) {
		char *s = gz_json_dump(report, NULL);
		printf("%s\n", s ? s : "null");
		free(s);
	} else {
		print_report(report);
	}
	bool ok = json_is_true(json_object_get(report, "ok"));
	json_decref(report);
	return ok ? 0 : 1;
}

static int import_node(int argc, char **argv, space_level level)
{
	if (argc != 2)
		return usage(level == SPACE_STREET ? "want: import street CODE NAME"
		                                   : "want: import community CODE NAME");
	gz_db *db = gz_cli_open_db();
	if (!db)
		return 1;
	gz_err err;
	gz_err_clear(&err);
	gz_actor op;
	gz_actor_operator(&op);
	int rc = level == SPACE_STREET
	             ? gz_space_add_street(db, &op, argv[0], argv[1], NULL, &err)
	             : gz_space_add_community(db, &op, argv[0], argv[1], NULL, &err);
	gz_db_close(db);
	if (rc < 0) {
		fprintf(stderr, "gongzhi import: %s", err.message);
		for (int i = 0; i < err.nfields; i++)
			fprintf(stderr, "%s %s: %s", i ? ";" : " —", err.fields[i].name,
			        err.fields[i].why);
		fprintf(stderr, "\n");
		return 1;
	}
	printf("已新建%s %s %s\n", level == SPACE_STREET ? "街道" : "社区", argv[0], argv[1]);
	return 0;
}

int gz_cli_import(int argc, char **argv)
{
	char **rest;
	int n = gz_cli_args(argc, argv, 1, &rest);
	int rc;
	if (n == 0)
		rc = usage("missing COMMAND (grids, street, community, residents or units)");
	else if (!strcmp(rest[0], "grids"))
		rc = import_grids(n - 1, rest + 1);
	else if (!strcmp(rest[0], "street"))
		rc = import_node(n - 1, rest + 1, SPACE_STREET);
	else if (!strcmp(rest[0], "community"))
		rc = import_node(n - 1, rest + 1, SPACE_COMMUNITY);
	else
		rc = usage("unknown COMMAND (grids, street, community, residents or units)");
	free(rest);
	return rc;
}
