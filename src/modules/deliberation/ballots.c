/* Paper ballots from CSV: see ballots.h. */
#include "modules/deliberation/ballots.h"
#include "core/decimal.h"
#include "core/mem.h"
#include "core/table.h"
#include "core/utf8.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { COL_UNIT, COL_OWNER, COL_AREA, COL_PERSON, COL_VOTE, NCOLS };
static const char *const col_names[NCOLS] = {"unit", "owner", "area", "person", "vote"};

static int row_fail(gz_err *err, size_t row, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* s[0..n) cut to at most max bytes at a character boundary, as an int for "%.*s". */
static int cut(const char *s, size_t n, size_t max)
{
	return (int)gz_utf8_prefix(s, n, max);
}

static int row_fail(gz_err *err, size_t row, const char *fmt, ...)
{
	char why[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, sizeof why, fmt, ap);
	va_end(ap);
	gz_err_set(err, GZ_EINVALID, "invalid_ballots", "第 %zu 行：%.*s", row,
	           cut(why, strlen(why), sizeof err->message - 32), why);
	gz_err_field(err, "row", "%zu", row);
	return -1;
}

static void trim(const char **s, size_t *n)
{
	while (*n && **s == ' ')
		(*s)++, (*n)--;
	while (*n && (*s)[*n - 1] == ' ')
		(*n)--;
}

static bool name_is(const char *s, size_t n, const char *name)
{
	trim(&s, &n);
	if (n != strlen(name))
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (c != name[i])
			return false;
	}
	return true;
}

/* Short form of a cell for a message (at most 40 bytes). */
static int shown(const gz_cell *c, const char **p)
{
	*p = c->ptr;
	return cut(c->ptr, c->len, 40);
}

static int read_header(const gz_row *row, vote_electorate want, long col[NCOLS], bool *owners,
                       gz_err *err)
{
	for (int k = 0; k < NCOLS; k++)
		col[k] = -1;
	for (size_t i = 0; i < row->ncols; i++)
		for (int k = 0; k < NCOLS; k++)
			if (name_is(row->cells[i].ptr, row->cells[i].len, col_names[k])) {
				if (col[k] >= 0)
					return row_fail(err, row->row, "表头列 %s 重复",
					                col_names[k]);
				col[k] = (long)i;
			}
	bool o = col[COL_UNIT] >= 0 || col[COL_OWNER] >= 0 || col[COL_AREA] >= 0;
	if (want == VOTE_ELECTORATE_OWNERS)
		o = true;
	else if (want == VOTE_ELECTORATE_PERSONS)
		o = false;
	static const int owner_cols[] = {COL_UNIT, COL_OWNER, COL_AREA, COL_VOTE};
	static const int person_cols[] = {COL_PERSON, COL_VOTE};
	const int *need = o ? owner_cols : person_cols;
	int nneed = o ? 4 : 2;
	for (int i = 0; i < nneed; i++)
		if (col[need[i]] < 0)
			return row_fail(err, row->row, "表头缺少列 %s（应为 %s）",
			                col_names[need[i]],
			                o ? "unit,owner,area,vote" : "person,vote");
	*owners = o;
	return 0;
}

int vote_ballots_read_csv(const char *buf, size_t len, vote_electorate want, gz_arena *arena,
                          vote_ballots *out, gz_err *err)
{
	gz_err terr;
	gz_err_clear(&terr);
	gz_table *t = gz_table_open_csv(buf, len, &terr);
	if (!t) {
		if (!strcmp(terr.code, "empty_file"))
			return row_fail(err, 1, "文件为空，需要表头（%s）",
			                want == VOTE_ELECTORATE_PERSONS ? "person,vote"
			                                                : "unit,owner,area,vote");
		return row_fail(err, 1, "%s", terr.message);
	}
	size_t cap = 64, n = 0;
	vote_holding *h = gz_malloc(cap * sizeof *h);
	size_t *rows = gz_malloc(cap * sizeof *rows);
	long col[NCOLS];
	bool owners = false, have_header = false;
	size_t header_row = 1;
	gz_row row;
	int rc;
	while ((rc = gz_table_next(t, &row, &terr)) == 1) {
		if (!have_header) {
			if (read_header(&row, want, col, &owners, err) < 0)
				goto fail;
			have_header = true;
			header_row = row.row;
			continue;
		}
		if (gz_row_blank(&row))
			continue;
		if (row.bad_columns) {
			row_fail(err, row.row, "列数与表头不一致（表头 %zu 列，此行 %zu 列）",
			         row.header_cols, row.ncols);
			goto fail;
		}
		if (n == cap) {
			cap *= 2;
			h = gz_realloc(h, cap * sizeof *h);
			rows = gz_realloc(rows, cap * sizeof *rows);
		}
		vote_holding *x = &h[n];
		memset(x, 0, sizeof *x);
		const gz_cell *vc = &row.cells[col[COL_VOTE]];
		const char *p;
		int pn;
		if (owners) {
			const gz_cell *uc = &row.cells[col[COL_UNIT]],
			              *oc = &row.cells[col[COL_OWNER]],
			              *ac = &row.cells[col[COL_AREA]];
			const char *u = uc->ptr, *o = oc->ptr;
			size_t un = uc->len, on = oc->len;
			trim(&u, &un);
			trim(&o, &on);
			if (!un) {
				row_fail(err, row.row, "unit 不能为空");
				goto fail;
			}
			if (!on) {
				row_fail(err, row.row,
				         "owner 不能为空（开发建设单位持有的单元写 %s）",
				         VOTE_DEVELOPER);
				goto fail;
			}
			gz_err derr;
			gz_err_clear(&derr);
			if (decimal_parse(ac->ptr, ac->len, DECIMAL_MAX_AREA, &x->area, &derr) <
			    0) {
				pn = shown(ac, &p);
				row_fail(err, row.row, "area「%.*s」%s", pn, p, derr.message);
				goto fail;
			}
			if (x->area == 0) {
				pn = shown(ac, &p);
				row_fail(err, row.row, "area「%.*s」必须大于 0", pn, p);
				goto fail;
			}
			x->unit = gz_arena_strndup(arena, u, un);
			x->unit_len = un;
			x->owner = gz_arena_strndup(arena, o, on);
			x->owner_len = on;
		} else {
			const gz_cell *pc = &row.cells[col[COL_PERSON]];
			const char *s = pc->ptr;
			size_t sn = pc->len;
			trim(&s, &sn);
			if (!sn) {
				row_fail(err, row.row, "person 不能为空");
				goto fail;
			}
			x->unit = x->owner = gz_arena_strndup(arena, s, sn);
			x->unit_len = x->owner_len = sn;
		}
		if (vote_choice_parse(vc->ptr, vc->len, &x->choice) < 0) {
			pn = shown(vc, &p);
			row_fail(
			    err, row.row,
			    "vote「%.*s」无法识别（应为 agree、oppose、abstain、同意、反对、弃权，"
			    "未参与表决留空）",
			    pn, p);
			goto fail;
		}
		rows[n++] = row.row;
	}
	if (rc < 0) {
		/* The table's message already starts with the position when it has one. */
		const char *r = NULL;
		for (int i = 0; i < terr.nfields; i++)
			if (!strcmp(terr.fields[i].name, "row"))
				r = terr.fields[i].why;
		if (r && !strncmp(terr.message, "第 ", strlen("第 "))) {
			gz_err_set(err, GZ_EINVALID, "invalid_ballots", "%s", terr.message);
			gz_err_field(err, "row", "%s", r);
		} else
			row_fail(err, header_row, "%s", terr.message);
		goto fail;
	}
	if (!have_header) {
		row_fail(err, 1, "文件为空，需要表头");
		goto fail;
	}
	gz_table_free(t);
	out->has_area = owners;
	out->n = n;
	out->h = gz_arena_alloc(arena, (n ? n : 1) * sizeof *h);
	out->rows = gz_arena_alloc(arena, (n ? n : 1) * sizeof *rows);
	memcpy(out->h, h, n * sizeof *h);
	memcpy(out->rows, rows, n * sizeof *rows);
	if (!n)
		out->rows[0] = header_row; /* vote_ballots_count names the row after it */
	free(h);
	free(rows);
	return 0;
fail:
	gz_table_free(t);
	free(h);
	free(rows);
	return -1;
}

int vote_ballots_count(const vote_ballots *b, vote_counts *out, gz_err *err)
{
	vote_problem p;
	if (vote_count(b->h, b->n, b->has_area, out, &p) == 0)
		return 0;
	const char *what = b->has_area ? "unit" : "person";
	const vote_holding *x = b->n ? &b->h[p.index] : NULL;
	switch (p.kind) {
	case VOTE_PROBLEM_EMPTY:
		return row_fail(err, b->rows[0] + 1, "没有表决名单（只有表头）");
	case VOTE_PROBLEM_DUPLICATE_UNIT:
		return row_fail(err, b->rows[p.index], "%s「%.*s」重复（第 %zu 行已有）", what,
		                cut(x->unit, x->unit_len, 60), x->unit, b->rows[p.other]);
	case VOTE_PROBLEM_OWNER_SPLIT:
		return row_fail(
		    err, b->rows[p.index],
		    "owner「%.*s」此行表决为「%s」，与第 %zu 行「%s」不同（同一业主的"
		    "所有单元须一致）",
		    cut(x->owner, x->owner_len, 60), x->owner,
		    *vote_choice_name(x->choice) ? vote_choice_name(x->choice) : "未参与",
		    b->rows[p.other],
		    *vote_choice_name(b->h[p.other].choice) ? vote_choice_name(b->h[p.other].choice)
		                                            : "未参与");
	default:
		return row_fail(err, b->rows[p.index], "面积合计超出上限");
	}
}
