/* The report of an import: its problems as JSON (the answer) and as a .xlsx sheet. */
#include "core/xlsx_write.h"
#include "modules/people/import_internal.h"
#include "core/json.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/time.h"
#include "core/utf8.h"

#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
	const problems *src;
	const problem *e;
} merged;

static int cmp_merged(const void *a, const void *b)
{
	const merged *x = a, *y = b;
	if (x->e->row != y->e->row)
		return x->e->row < y->e->row ? -1 : 1;
	if (x->src != y->src)
		return x->src < y->src ? -1 : 1; /* producer (checks) before consumer (database) */
	return (x->e->seq > y->e->seq) - (x->e->seq < y->e->seq);
}

/* The report's "errors" array from several lists, sorted by row, at most max entries. */
json_t *people_problems_json(const problems *lists, int nlists, size_t max, size_t *total)
{
	size_t n = 0;
	*total = 0;
	for (int i = 0; i < nlists; i++) {
		n += lists[i].n;
		*total += lists[i].count;
	}
	merged *m = gz_malloc((n ? n : 1) * sizeof *m);
	size_t k = 0;
	for (int i = 0; i < nlists; i++)
		for (size_t j = 0; j < lists[i].n; j++)
			m[k++] = (merged){&lists[i], &lists[i].v[j]};
	qsort(m, n, sizeof *m, cmp_merged);
	json_t *arr = json_array();
	for (size_t i = 0; i < n && i < max; i++) {
		const problem *e = m[i].e;
		json_array_append_new(
		    arr,
		    json_pack("{s:o,s:o,s:s}", "row", e->row ? json_integer(e->row) : json_null(),
		              "column",
		              e->col == NO_COL ? json_null() : json_string(m[i].src->pool + e->col),
		              "reason", m[i].src->pool + e->reason));
	}
	free(m);
	return arr;
}

/* The report of a residents import (gz_people_import()): built before the COMMIT of a
 * write, which commits it as the answer (gz_api_commit()), else once everything is read. */
json_t *people_residents_report(res_imp *m, consumer *c, bool dry_run, bool xlsx)
{
	size_t total;
	problems lists[2] = {m->pp, c->cp};
	json_t *errors = people_problems_json(lists, 2, GZ_PEOPLE_IMPORT_MAX_ERRORS_REPORT, &total);
	bool ok = total == 0;
	json_t *report = json_pack(
	    "{s:b,s:b,s:s,s:s,s:I,s:I,s:I,s:o,s:I,s:b}", "ok", ok, "dry_run", dry_run, "kind",
	    "residents", "format", xlsx ? "xlsx" : "csv", "rows", (json_int_t)m->rows, "created",
	    (json_int_t)(ok ? c->created : 0), "households_created",
	    (json_int_t)(ok ? (json_int_t)c->pl.households_created : 0), "errors", errors,
	    "error_count", (json_int_t)total, "errors_truncated", total > json_array_size(errors));
	json_object_set_new(report, "hidden_duplicates", json_integer((json_int_t)c->hidden));
	return report;
}

/* The report of a units import, like people_residents_report(). */
json_t *people_units_report(problems *p, bool dry_run, bool xlsx, size_t rows, int64_t created,
                            int64_t owners_created)
{
	size_t total;
	json_t *errors = people_problems_json(p, 1, GZ_PEOPLE_IMPORT_MAX_ERRORS_REPORT, &total);
	bool ok = total == 0;
	return json_pack("{s:b,s:b,s:s,s:s,s:I,s:I,s:I,s:o,s:I,s:b}", "ok", ok, "dry_run", dry_run,
	                 "kind", "units", "format", xlsx ? "xlsx" : "csv", "rows", (json_int_t)rows,
	                 "created", (json_int_t)(ok ? created : 0), "owners_created",
	                 (json_int_t)(ok ? owners_created : 0), "errors", errors, "error_count",
	                 (json_int_t)total, "errors_truncated", total > json_array_size(errors));
}

typedef struct {
	json_t *errors;
	size_t i;
	char row[24];
} report_iter;

static int report_row(void *ctx, const char **cells, gz_err *err)
{
	(void)err;
	report_iter *it = ctx;
	json_t *e = json_array_get(it->errors, it->i++);
	if (!e)
		return 0;
	json_t *row = json_object_get(e, "row");
	if (json_is_integer(row))
		snprintf(it->row, sizeof it->row, "%lld", (long long)json_integer_value(row));
	else
		it->row[0] = '\0';
	cells[0] = it->row;
	cells[1] = json_string_value(json_object_get(e, "column"));
	cells[2] = json_string_value(json_object_get(e, "reason"));
	return 1;
}

int gz_people_report_xlsx(const json_t *report, const char *path, unsigned char **out,
                          size_t *out_len, gz_err *err)
{
	static const char *const header[] = {"行", "列", "原因"};
	report_iter it = {.errors = json_object_get(report, "errors")};
	return gz_xlsx_export(path, "导入错误", header, 3, report_row, &it, out, out_len, err);
}
