/* gongzhi import residents|units FILE: the same import as POST /api/v1/residents/import
 * and /units/import (api/people_import.c), for an operator with database access —
 * no scope check, audited as "cli". The file is mapped, not copied, so a million rows
 * cost no more memory than the file itself. */
#include "modules/people/people.h"
#include "cli/cli.h"
#include "core/json.h"
#include "db/db.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static int usage(const char *msg)
{
	fprintf(stderr, "gongzhi import: %s (see 'gongzhi import --help')\n", msg);
	return 2;
}

static void print_report(const json_t *rep, bool units)
{
	size_t i;
	json_t *e;
	json_array_foreach(json_object_get(rep, "errors"), i, e)
	{
		json_t *row = json_object_get(e, "row");
		const char *col = json_string_value(json_object_get(e, "column"));
		printf("错误  ");
		if (json_is_integer(row))
			printf("第 %lld 行 ", (long long)json_integer_value(row));
		if (col)
			printf("%s ", col);
		printf("%s\n", json_string_value(json_object_get(e, "reason")));
	}
	long long nerr = json_integer_value(json_object_get(rep, "error_count"));
	long long rows = json_integer_value(json_object_get(rep, "rows"));
	bool dry = json_is_true(json_object_get(rep, "dry_run"));
	if (nerr > 0) {
		if (json_is_true(json_object_get(rep, "errors_truncated")))
			printf("（只列出前 %zu 个问题）\n",
			       json_array_size(json_object_get(rep, "errors")));
		printf("导入未执行：%lld 行中发现 %lld 个问题，没有导入任何%s。\n", rows, nerr,
		       units ? "房屋" : "居民");
		return;
	}
	if (units)
		printf("%s%lld 行：房屋 %lld 套，业主 %lld 位。\n",
		       dry ? "检查通过（--dry-run，未写入）：" : "导入成功：", rows,
		       (long long)json_integer_value(json_object_get(rep, "created")),
		       (long long)json_integer_value(json_object_get(rep, "owners_created")));
	else
		printf("%s%lld 行：居民 %lld 人，新建户 %lld 个。\n",
		       dry ? "检查通过（--dry-run，未写入）：" : "导入成功：", rows,
		       (long long)json_integer_value(json_object_get(rep, "created")),
		       (long long)json_integer_value(json_object_get(rep, "households_created")));
}

static int import_people(int argc, char **argv, bool units)
{
	const char *file = NULL, *report_path = NULL;
	bool dry_run = false, as_json = false;
	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--dry-run"))
			dry_run = true;
		else if (!strcmp(argv[i], "--json"))
			as_json = true;
		else if (!strcmp(argv[i], "--report") && i + 1 < argc)
			report_path = argv[++i];
		else if (!strncmp(argv[i], "--report=", 9))
			report_path = argv[i] + 9;
		else if (argv[i][0] == '-' && argv[i][1])
			return usage("unknown option");
		else if (!file)
			file = argv[i];
		else
			return usage("one FILE only");
	}
	if (!file)
		return usage("missing FILE (.csv or .xlsx)");
	int fd = open(file, O_RDONLY | O_CLOEXEC);
	struct stat sb;
	if (fd < 0 || fstat(fd, &sb) < 0) {
		fprintf(stderr, "gongzhi import: cannot open %s: %s\n", file, strerror(errno));
		if (fd >= 0)
			close(fd);
		return 1;
	}
	if (!S_ISREG(sb.st_mode) || (size_t)sb.st_size > GZ_PEOPLE_IMPORT_MAX_FILE) {
		fprintf(stderr, "gongzhi import: %s: 不是普通文件或超过 %zu 字节\n", file,
		        GZ_PEOPLE_IMPORT_MAX_FILE);
		close(fd);
		return 1;
	}
	size_t len = (size_t)sb.st_size;
	const char *buf = "";
	void *map = NULL;
	if (len) {
		map = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
		if (map == MAP_FAILED) {
			fprintf(stderr, "gongzhi import: %s: %s\n", file, strerror(errno));
			close(fd);
			return 1;
		}
		madvise(map, len, MADV_SEQUENTIAL);
		buf = map;
	}
	close(fd);
	gz_db *db = gz_cli_open_db();
	if (db && gz_cli_load_keys() < 0) {
		gz_db_close(db);
		db = NULL;
	}
	if (!db) {
		if (map)
			munmap(map, len);
		return 1;
	}
	gz_err err;
	gz_err_clear(&err);
	json_t *report = NULL;
	gz_actor op;
	gz_actor_operator(&op);
	int rc = gz_people_import(db, &op, units ? GZ_PEOPLE_UNITS : GZ_PEOPLE_RESIDENTS, buf, len,
	                          dry_run, &report, &err);
	gz_db_close(db);
	if (map)
		munmap(map, len);
	if (rc < 0) {
		fprintf(stderr, "gongzhi import: %s\n", err.message);
		return 1;
	}
	bool ok = json_is_true(json_object_get(report, "ok"));
	if (as_json) {
		char *s = gz_json_dump(report, NULL);
		printf("%s\n", s ? s : "null");
		free(s);
	} else {
		print_report(report, units);
	}
	if (!ok && report_path) {
		gz_err_clear(&err);
		if (gz_people_report_xlsx(report, report_path, NULL, NULL, &err) < 0)
			fprintf(stderr, "gongzhi import: report %s: %s\n", report_path,
			        err.message);
		else if (!as_json)
			printf("问题清单已写入 %s\n", report_path);
	}
	json_decref(report);
	return ok ? 0 : 1;
}

const char gz_people_import_usage[] =
    "gongzhi [--db URL] import residents|units ...\n"
    "\n"
    "  import residents [--dry-run] [--json] [--report ERRORS.xlsx] FILE.csv|FILE.xlsx\n"
    "      Import residents. Columns by header: 姓名, 身份证号 (required), 网格编码 (or\n"
    "      楼栋 + 房号 of an existing unit), optional 性别, 出生日期, 手机号, 住址,\n"
    "      与户主关系, 标签 (separated by 、 or ,). Every row is checked (ID checksum,\n"
    "      phone, unit, duplicates in the file and the database); one problem and nothing\n"
    "      is imported. --report writes the problems (row, column, reason) as .xlsx.\n"
    "  import units [--dry-run] [--json] [--report ERRORS.xlsx] FILE.csv|FILE.xlsx\n"
    "      Import units (专有部分): 楼栋 (id, or name with 网格编码), 房号, 专有部分面积\n"
    "      (㎡, at most 2 decimals), optional 是否已售 (是/否), 业主姓名, 业主身份证号;\n"
    "      rows with the same 楼栋 and 房号 are co-owners of one unit.\n"
    "\n"
    "  --db URL may also follow the command. Environment: GONGZHI_DB, GONGZHI_KEY_FILE\n"
    "  (the personal-data key; with SQLite, PATH.key next to the database by default).\n"
    "  Rules: docs/SECURITY.md (Personal data).\n";

/* `gongzhi import residents|units`: argv starts at "import". */
static int import_cmd(int argc, char **argv, bool units)
{
	char **rest;
	int n = gz_cli_args(argc, argv, 2, &rest);
	int rc = import_people(n, rest, units);
	free(rest);
	return rc;
}

int gz_cli_import_residents(int argc, char **argv)
{
	return import_cmd(argc, argv, false);
}

int gz_cli_import_units(int argc, char **argv)
{
	return import_cmd(argc, argv, true);
}
