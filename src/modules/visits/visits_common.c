/* What the visits handlers share (visits_internal.h): frequency settings, tags, the due
 * state of a place's key-group residents, days in queries and answers. */
#include "modules/visits/visits_internal.h"
#include "api/common.h"
#include "core/mem.h"
#include "core/time.h"
#include "modules/people/people.h"
#include "modules/people/person.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int64_t visits_today(void)
{
	return visit_day_of_ms(gz_time_now_ms());
}

json_t *visits_day_json(int64_t day)
{
	char buf[16];
	return json_string(visit_day_format(day, buf, sizeof buf));
}

int visits_day_query(gz_req *r, const char *key, int64_t *day, gz_err *err)
{
	const char *s = gz_req_query(r, key);
	if (!s)
		return 0;
	if (visit_day_parse(s, day) < 0) {
		gz_err_set(err, GZ_EBADREQ, "bad_query", "查询参数 %s 无效", key);
		gz_err_field(err, key, "应为日期 YYYY-MM-DD");
		return -1;
	}
	return 1;
}

/* ------------------------------------------------------------------ settings */

void visits_freqs_free(visits_freqs *fs)
{
	free(fs->keys);
	free(fs->f);
	free(fs->tags);
	memset(fs, 0, sizeof *fs);
}

int visits_freqs_load(gz_db *db, const char *lo, const char *hi, visits_freqs *out, gz_err *err)
{
	memset(out, 0, sizeof *out);
	/* The places above lo that may hold a setting: "", its street, its community. */
	char street[16] = "", community[16] = "";
	size_t n = strlen(lo);
	if (n >= 9)
		snprintf(street, sizeof street, "%.9s", lo);
	if (n >= 12)
		snprintf(community, sizeof community, "%.12s", lo);
	gz_stmt *st = gz_db_prepare(db,
	                            "SELECT scope, tag_code, COALESCE(interval_days, 0) FROM "
	                            "visit_frequencies WHERE scope = '' OR scope = $3 OR scope "
	                            "= $4 OR (scope >= $1 AND scope < $2) ORDER BY scope, tag_code",
	                            err);
	if (!st)
		return -1;
	gz_stmt_bind_str(st, 1, lo);
	gz_stmt_bind_str(st, 2, hi);
	gz_stmt_bind_str(st, 3, street[0] ? street : "-");
	gz_stmt_bind_str(st, 4, community[0] ? community : "-");
	size_t cap = 0;
	int rc;
	while ((rc = gz_stmt_step(st, err)) == GZ_ROW) {
		if (out->n == cap) {
			cap = cap ? 2 * cap : 16;
			out->keys = gz_realloc(out->keys, cap * sizeof *out->keys);
			out->f = gz_realloc(out->f, cap * sizeof *out->f);
		}
		visits_freq_key *k = &out->keys[out->n];
		snprintf(k->scope, sizeof k->scope, "%s", gz_stmt_text(st, 0));
		snprintf(k->tag, sizeof k->tag, "%s", gz_stmt_text(st, 1));
		out->f[out->n].interval_days = (int)gz_stmt_int64(st, 2);
		out->n++;
	}
	gz_stmt_finish(st);
	if (rc < 0) {
		visits_freqs_free(out);
		return -1;
	}
	/* keys may have moved while growing: point the rules' rows at them now. */
	out->tags = gz_calloc(out->n + 1, sizeof *out->tags);
	for (size_t i = 0; i < out->n; i++) {
		out->f[i].scope = out->keys[i].scope;
		out->f[i].tag = out->keys[i].tag;
		if (out->f[i].interval_days <= 0)
			continue;
		bool seen = false;
		for (size_t j = 0; j < out->ntags && !seen; j++)
			seen = !strcmp(out->tags[j], out->keys[i].tag);
		if (!seen)
			memcpy(out->tags[out->ntags++], out->keys[i].tag, VISITS_TAG_MAX);
	}
	return 0;
}

int visits_tag_info(gz_db *db, const char *code, char *label, size_t cap, bool *sensitive,
                    gz_err *err)
{
	const person_tag *t = person_tag_find(code);
	if (t && !strcmp(t->code, code)) {
		snprintf(label, cap, "%s", t->label);
		*sensitive = t->sensitive;
		return 1;
	}
	gz_stmt *st = gz_db_prepare(
	    db, "SELECT label, sensitive FROM resident_tag_defs WHERE code = $1", err);
	if (!st)
		return -1;
	gz_stmt_bind_str(st, 1, code);
	int rc = gz_stmt_step(st, err);
	if (rc == GZ_ROW) {
		snprintf(label, cap, "%s", gz_stmt_text(st, 0));
		*sensitive = gz_stmt_int64(st, 1) != 0;
	}
	gz_stmt_finish(st);
	return rc < 0 ? -1 : rc == GZ_ROW;
}

/* ------------------------------------------------------------------ due */

void visits_due_free(visits_due_set *s)
{
	free(s->rows);
	memset(s, 0, sizeof *s);
}

typedef struct {
	int64_t id;
	int interval;
	char grid[SPACE_CODE_SIZE];
	bool visited;
	int64_t last_on, registered_on;
} hit;

static int cmp_hit(const void *a, const void *b)
{
	const hit *x = a, *y = b;
	return (x->id > y->id) - (x->id < y->id);
}

int visits_due_collect(gz_db *db, const char *lo, const char *hi, int64_t today,
                       visits_due_set *out, gz_err *err)
{
	visits_freqs fs;
	if (visits_freqs_load(db, lo, hi, &fs, err) < 0)
		return -1;
	hit *h = NULL;
	size_t nh = 0, caph = 0;
	int ret = -1;
	/* One index range of resident_tags (tag_key, grid_code, resident_id) per tag. */
	for (size_t t = 0; t < fs.ntags; t++) {
		char label[64];
		bool sensitive = false;
		int known = visits_tag_info(db, fs.tags[t], label, sizeof label, &sensitive, err);
		if (known < 0)
			goto out;
		if (!known)
			continue;
		char key[GZ_PEOPLE_TAG_KEY_SIZE];
		gz_people_tag_key(fs.tags[t], sensitive, key, sizeof key);
		if (!key[0])
			continue;
		gz_stmt *st = gz_db_prepare(
		    db,
		    "SELECT t.resident_id, t.grid_code, r.created_at, l.last_on FROM resident_tags "
		    "t "
		    "JOIN residents r ON r.id = t.resident_id LEFT JOIN visit_last l ON "
		    "l.resident_id = t.resident_id WHERE t.tag_key = $1 AND t.grid_code >= $2 AND "
		    "t.grid_code < $3 AND " VISITS_LIVE_RESIDENT,
		    err);
		if (!st)
			goto out;
		gz_stmt_bind_str(st, 1, key);
		gz_stmt_bind_str(st, 2, lo);
		gz_stmt_bind_str(st, 3, hi);
		int rc;
		while ((rc = gz_stmt_step(st, err)) == GZ_ROW) {
			const char *grid = gz_stmt_text(st, 1);
			int iv = visit_interval_for(fs.f, fs.n, fs.tags[t], grid);
			if (iv <= 0)
				continue;
			if (nh == caph) {
				caph = caph ? 2 * caph : 256;
				h = gz_realloc(h, caph * sizeof *h);
			}
			hit *x = &h[nh++];
			x->id = gz_stmt_int64(st, 0);
			x->interval = iv;
			snprintf(x->grid, sizeof x->grid, "%s", grid);
			x->registered_on = visit_day_of_ms(gz_stmt_int64(st, 2));
			x->visited = !gz_stmt_isnull(st, 3);
			x->last_on = x->visited ? gz_stmt_int64(st, 3) : 0;
		}
		gz_stmt_finish(st);
		if (rc < 0)
			goto out;
	}
	/* A resident met through several tags: the most demanding interval
	 * (visit_interval_of, one tag at a time). */
	if (nh)
		qsort(h, nh, sizeof *h, cmp_hit);
	for (size_t i = 0; i < nh;) {
		size_t j = i;
		int iv = h[i].interval;
		while (j < nh && h[j].id == h[i].id) {
			if (h[j].interval < iv)
				iv = h[j].interval;
			j++;
		}
		if (out->n == out->cap) {
			out->cap = out->cap ? 2 * out->cap : 256;
			out->rows = gz_realloc(out->rows, out->cap * sizeof *out->rows);
		}
		visits_due_row *d = &out->rows[out->n++];
		d->resident_id = h[i].id;
		memcpy(d->grid, h[i].grid, sizeof d->grid);
		d->interval = iv;
		d->visited = h[i].visited;
		d->last_on = h[i].last_on;
		d->registered_on = h[i].registered_on;
		d->due = visit_due_of(iv, d->visited, d->last_on, d->registered_on, today);
		i = j;
	}
	ret = 0;
out:
	free(h);
	visits_freqs_free(&fs);
	return ret;
}

/* ------------------------------------------------------------------ names */

int visits_name_grids(gz_db *db, json_t *items, gz_err *err)
{
	size_t i;
	json_t *it;
	json_array_foreach(items, i, it)
	{
		const char *code = json_string_value(json_object_get(it, "grid_code"));
		if (!code)
			continue;
		/* Items of one grid come together: reuse the previous answer. */
		json_t *prev = i ? json_array_get(items, i - 1) : NULL;
		const char *pc =
		    prev ? json_string_value(json_object_get(prev, "grid_code")) : NULL;
		if (pc && !strcmp(pc, code)) {
			json_object_set(it, "grid_name", json_object_get(prev, "grid_name"));
			continue;
		}
		gz_stmt *st = gz_db_prepare(db, "SELECT name FROM grids WHERE code = $1", err);
		if (!st)
			return -1;
		gz_stmt_bind_str(st, 1, code);
		int rc = gz_stmt_step(st, err);
		json_object_set_new(it, "grid_name",
		                    rc == GZ_ROW ? json_string(gz_stmt_text(st, 0)) : json_null());
		gz_stmt_finish(st);
		if (rc < 0)
			return -1;
	}
	return 0;
}
