/* Residents' rows into records (checked, sealed, hashed) on the producer thread, and
 * the queue of batches between it and the consumer. No database here. */
#include "modules/people/import_rows.h"
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

/* ================================================================ residents: rows */

static uint32_t batch_text(batch *b, const char *s, size_t n)
{
	if (b->plen + n + 1 > b->pcap) {
		b->pcap = (b->plen + n + 1) * 2 + 65536;
		b->pool = gz_realloc(b->pool, b->pcap);
	}
	uint32_t off = (uint32_t)b->plen;
	memcpy(b->pool + off, s, n);
	b->pool[off + n] = '\0';
	b->plen += n + 1;
	return off;
}

const char *const people_gender_text[] = {"", "男", "女"};

/* Check one data row; on success fill out (crypto included) and return 0. Problems go to
 * the producer's list; returns -1 if there was any. */
static int resident_row(res_imp *m, const gz_row *row, batch *b, res_row *out)
{
	const header_t *h = &m->h;
	problems *p = &m->pp;
	size_t before = p->count;
	size_t rn = row->sheet_row;
	gz_err e;
	memset(out, 0, offsetof(res_row, phone_enc));
	out->row = (uint32_t)rn;

	if (!people_row_fits(h, row)) {
		people_problem_add(p, rn, NULL, "列数（%zu）与表头（%zu）不一致", row->ncols,
		                   h->ncols);
		return -1;
	}

	/* 姓名 */
	cellv namec = people_cell_of(h, row, RC_NAME), c;
	size_t ns = 0, nl = 0;
	gz_err_clear(&e);
	if (resident_name_check(namec.p, namec.n, &ns, &nl, &e) < 0)
		people_problem_add(p, rn, people_colname(h, people_resident_cols, RC_NAME), "%s",
		                   e.message);

	/* 身份证号 (required in an import: it is the key of the register) */
	person_id_info id = {0};
	c = people_cell_of(h, row, RC_ID);
	bool id_ok = false;
	gz_err_clear(&e);
	if (!c.n)
		people_problem_add(p, rn, people_colname(h, people_resident_cols, RC_ID),
		                   "不能为空");
	else if (c.kind == GZ_CELL_NUMBER)
		people_problem_add(
		    p, rn, people_colname(h, people_resident_cols, RC_ID),
		    "身份证号被存成了数字，末尾几位已丢失：请把该列设为文本格式后重新填写");
	else if (c.n > 64)
		people_problem_add(p, rn, people_colname(h, people_resident_cols, RC_ID),
		                   "长度应为 18 位");
	else {
		char tmp[65];
		memcpy(tmp, c.p, c.n);
		tmp[c.n] = '\0';
		if (person_id_check(tmp, m->now, &id, &e) < 0)
			people_problem_add(p, rn, people_colname(h, people_resident_cols, RC_ID),
			                   "%s", e.message);
		else
			id_ok = true;
	}

	/* 性别: must agree with the ID number */
	c = people_cell_of(h, row, RC_GENDER);
	int gender = id_ok ? (id.male ? 1 : 2) : 0;
	if (c.n) {
		bool male = false;
		char tmp[32];
		gz_err_clear(&e);
		people_cstr(tmp, sizeof tmp, c);
		if (c.n > 31 || person_gender_parse(tmp, &male, &e) < 0)
			people_problem_add(p, rn,
			                   people_colname(h, people_resident_cols, RC_GENDER),
			                   "性别应为 男 或 女");
		else if (id_ok && male != id.male)
			people_problem_add(p, rn,
			                   people_colname(h, people_resident_cols, RC_GENDER),
			                   "与身份证号不一致");
		else
			gender = male ? 1 : 2;
	}

	/* 出生日期: optional, must agree with the ID number */
	c = people_cell_of(h, row, RC_BIRTH);
	person_date birth = id.birth;
	bool has_birth = id_ok;
	if (c.n) {
		person_date d;
		int y, mo, da;
		gz_err_clear(&e);
		int rc;
		if (c.kind == GZ_CELL_NUMBER &&
		    gz_xlsx_serial_date(c.p, c.n, m->t->date1904, &y, &mo, &da) == 0) {
			char tmp[RESIDENT_DATE_SIZE];
			resident_date_format((person_date){y, mo, da}, tmp);
			rc = resident_date_parse(tmp, strlen(tmp), m->now, &d, &e);
		} else {
			rc = resident_date_parse(c.p, c.n, m->now, &d, &e);
		}
		if (rc < 0)
			people_problem_add(p, rn, people_colname(h, people_resident_cols, RC_BIRTH),
			                   "%s", e.message);
		else if (id_ok && (d.year != id.birth.year || d.month != id.birth.month ||
		                   d.day != id.birth.day))
			people_problem_add(p, rn, people_colname(h, people_resident_cols, RC_BIRTH),
			                   "与身份证号中的出生日期不一致");
		else {
			birth = d;
			has_birth = true;
		}
	}

	/* 手机号 */
	c = people_cell_of(h, row, RC_PHONE);
	char phone[PERSON_PHONE_MAX] = "";
	if (c.n) {
		char tmp[64];
		gz_err_clear(&e);
		if (c.n >= sizeof tmp)
			people_problem_add(p, rn, people_colname(h, people_resident_cols, RC_PHONE),
			                   "号码格式不正确");
		else {
			memcpy(tmp, c.p, c.n);
			tmp[c.n] = '\0';
			if (person_phone_check(tmp, phone, NULL, &e) < 0)
				people_problem_add(
				    p, rn, people_colname(h, people_resident_cols, RC_PHONE), "%s",
				    e.message);
		}
	}

	/* 网格编码, or 楼栋 + 房号 */
	cellv grid = people_cell_of(h, row, RC_GRID), bld = people_cell_of(h, row, RC_BUILDING),
	      room = people_cell_of(h, row, RC_ROOM), addr = people_cell_of(h, row, RC_ADDRESS);
	out->grid = -1;
	if (grid.n) {
		out->grid = people_gridset_find(&m->grids, grid.p, grid.n);
		if (out->grid < 0) {
			char code[64];
			snprintf(code, sizeof code, "%.*s", (int)(grid.n < 63 ? grid.n : 63),
			         grid.p);
			const char *why = NULL;
			if (space_code_check(code, SPACE_GRID, &why) < 0)
				people_problem_add(p, rn,
				                   people_colname(h, people_resident_cols, RC_GRID),
				                   "%s", why);
			else
				people_problem_add(p, rn,
				                   people_colname(h, people_resident_cols, RC_GRID),
				                   "网格不存在或不在您的管辖范围内");
		}
	}
	if (bld.n || room.n) {
		if (!bld.n)
			people_problem_add(p, rn,
			                   people_colname(h, people_resident_cols, RC_BUILDING),
			                   "填写了房号时楼栋不能为空");
		if (!room.n)
			people_problem_add(p, rn, people_colname(h, people_resident_cols, RC_ROOM),
			                   "填写了楼栋时房号不能为空");
		bool numeric = bld.n > 0;
		for (size_t i = 0; i < bld.n; i++)
			numeric = numeric && bld.p[i] >= '0' && bld.p[i] <= '9';
		if (bld.n && !numeric && !grid.n)
			people_problem_add(p, rn, people_colname(h, people_resident_cols, RC_GRID),
			                   "楼栋按名称填写时网格编码不能为空");
		if (bld.n > 200 || room.n > 64)
			people_problem_add(p, rn,
			                   people_colname(h, people_resident_cols,
			                                  bld.n > 200 ? RC_BUILDING : RC_ROOM),
			                   "过长");
	} else if (!grid.n) {
		people_problem_add(p, rn,
		                   people_colname(h, people_resident_cols,
		                                  m->have_grid_col ? RC_GRID : RC_BUILDING),
		                   "网格编码不能为空（或填写楼栋和房号）");
	}
	if (addr.n > 200 || (addr.n && !gz_utf8_valid(addr.p, addr.n)))
		people_problem_add(p, rn, people_colname(h, people_resident_cols, RC_ADDRESS),
		                   "住址不能超过 200 字节");

	/* 与户主关系 */
	c = people_cell_of(h, row, RC_RELATION);
	if (c.n) {
		char tmp[64];
		person_relation rel;
		gz_err_clear(&e);
		people_cstr(tmp, sizeof tmp, c);
		if (c.n > 63 || person_relation_parse(tmp, &rel, &e) < 0)
			people_problem_add(p, rn,
			                   people_colname(h, people_resident_cols, RC_RELATION),
			                   "%s", e.message[0] ? e.message : "与户主关系无效");
		else
			out->relation = (uint8_t)rel;
	}

	/* 标签 */
	c = people_cell_of(h, row, RC_TAGS);
	const tagdef *tags[RESIDENT_TAGS_MAX];
	int ntags = 0;
	if (c.n) {
		resident_span sp[RESIDENT_TAGS_MAX];
		gz_err_clear(&e);
		int k = resident_tags_split(c.p, c.n, sp, RESIDENT_TAGS_MAX, &e);
		if (k < 0)
			people_problem_add(p, rn, people_colname(h, people_resident_cols, RC_TAGS),
			                   "%s", e.message);
		for (int i = 0; i < k; i++) {
			const tagdef *d = people_tagcat_find(&m->tags, sp[i].ptr, sp[i].len);
			if (!d) {
				people_problem_add(
				    p, rn, people_colname(h, people_resident_cols, RC_TAGS),
				    "未知标签：%.*s", (int)(sp[i].len > 60 ? 60 : sp[i].len),
				    sp[i].ptr);
				continue;
			}
			bool dup = false;
			for (int j = 0; j < ntags; j++)
				dup = dup || tags[j] == d;
			if (!dup)
				tags[ntags++] = d;
		}
	}

	if (p->count != before)
		return -1;

	/* Good: text into the batch pool, seal the personal data. */
	out->name_off = batch_text(b, namec.p + ns, nl);
	out->gender = (uint8_t)gender;
	out->bld_off = batch_text(b, bld.p, bld.n);
	out->room_off = batch_text(b, room.p, room.n);
	out->addr_off = batch_text(b, addr.p, addr.n);
	out->has_id = id_ok;
	if (id_ok) {
		gz_crypto_seal(m->crypto, (const uint8_t *)id.normalised, 18, out->id_enc);
		gz_crypto_lookup(m->crypto, id.normalised, out->id_hash);
	}
	/* The birth date is stored only when no ID number carries it. */
	if (has_birth && !id_ok) {
		char d[RESIDENT_DATE_SIZE];
		resident_date_format(birth, d);
		gz_crypto_seal(m->crypto, (const uint8_t *)d, RESIDENT_DATE_SIZE - 1,
		               out->birth_enc);
		out->has_birth = 1;
	}
	if (phone[0]) {
		size_t l = strlen(phone);
		gz_crypto_seal(m->crypto, (const uint8_t *)phone, l, out->phone_enc);
		gz_crypto_lookup(m->crypto, phone, out->phone_hash);
		out->phone_len = (uint8_t)GZ_CRYPTO_SEALED_LEN(l);
	}
	char ordinary[RESIDENT_TAGS_MAX * 41] = "", sens[RESIDENT_TAGS_MAX * 43] = "[";
	size_t on = 0, sn = 1, kn = 0;
	char keys[RESIDENT_TAGS_MAX * sizeof tags[0]->key];
	for (int i = 0; i < ntags; i++) {
		const tagdef *d = tags[i];
		if (d->sensitive)
			sn += (size_t)snprintf(sens + sn, sizeof sens - sn, "%s\"%s\"",
			                       sn > 1 ? "," : "", d->code);
		else
			on += (size_t)snprintf(ordinary + on, sizeof ordinary - on, "%s%s",
			                       on ? "," : "", d->code);
		size_t kl = strlen(d->key);
		memcpy(keys + kn, d->key, kl + 1);
		kn += kl + 1;
	}
	out->tags_off = batch_text(b, ordinary, on);
	out->keys_off = batch_text(b, keys, kn ? kn - 1 : 0);
	out->nkeys = (uint8_t)ntags;
	if (sn > 1) {
		sens[sn++] = ']';
		uint8_t sealed[GZ_CRYPTO_SEALED_LEN(sizeof sens)];
		gz_crypto_seal(m->crypto, (const uint8_t *)sens, sn, sealed);
		out->sens_off = batch_text(b, (const char *)sealed, GZ_CRYPTO_SEALED_LEN(sn));
		out->sens_len = (uint16_t)GZ_CRYPTO_SEALED_LEN(sn);
	}
	return 0;
}

/* ---------------------------------------------------------------- the queue */

static batch *batch_get_free(res_imp *m)
{
	pthread_mutex_lock(&m->mu);
	batch *b = m->nfree ? m->free_list[--m->nfree] : NULL;
	pthread_mutex_unlock(&m->mu);
	if (!b)
		b = gz_calloc(1, sizeof *b);
	b->n = 0;
	b->plen = 0;
	return b;
}

void people_batch_put_free(res_imp *m, batch *b)
{
	pthread_mutex_lock(&m->mu);
	if (m->nfree < sizeof m->free_list / sizeof m->free_list[0]) {
		m->free_list[m->nfree++] = b;
		b = NULL;
	}
	pthread_mutex_unlock(&m->mu);
	if (b) {
		free(b->pool);
		free(b);
	}
}

/* Producer side: hand over a full batch (waits while the queue is full). b may be NULL
 * to signal the end. */
static void queue_put(res_imp *m, batch *b)
{
	pthread_mutex_lock(&m->mu);
	if (!b) {
		m->eof = true;
	} else {
		while (m->qlen == QUEUE_LEN && !atomic_load(&m->stop))
			pthread_cond_wait(&m->can_put, &m->mu);
		m->q[(m->qhead + m->qlen) % QUEUE_LEN] = b;
		m->qlen++;
	}
	pthread_cond_signal(&m->can_get);
	pthread_mutex_unlock(&m->mu);
}

/* Consumer side: the next batch, or NULL at the end. */
batch *people_queue_get(res_imp *m)
{
	pthread_mutex_lock(&m->mu);
	while (!m->qlen && !m->eof)
		pthread_cond_wait(&m->can_get, &m->mu);
	batch *b = NULL;
	if (m->qlen) {
		b = m->q[m->qhead];
		m->qhead = (m->qhead + 1) % QUEUE_LEN;
		m->qlen--;
		pthread_cond_signal(&m->can_put);
	}
	pthread_mutex_unlock(&m->mu);
	return b;
}

/* Orders a full batch by grid (stable), then hands out its ids and collects its keys.
 * Rows of one grid go into the (grid_code, id) index at the end of that grid's range;
 * a file that interleaves grids row by row would otherwise move between several
 * insertion points at every row (each split there is a full rebalance in SQLite), where
 * runs of rows of one grid fill the same leaf pages one after another. Rows placed by a
 * building (grid known only to the consumer) sort first, as one group. */
static void batch_ready(res_imp *m, batch *b)
{
	size_t ng = m->grids.n + 1;
	if (ng > 1 && b->n > 1) {
		/* Counting sort through a buffer kept for the whole import (a fresh 1 MB
		 * allocation per batch would be fresh pages to fault in each time). */
		if (!m->sort_buf)
			m->sort_buf = gz_malloc(BATCH_ROWS * sizeof *m->sort_buf);
		uint32_t *count = gz_calloc(ng + 1, sizeof *count);
		for (size_t i = 0; i < b->n; i++)
			count[b->rows[i].grid + 2]++;
		for (size_t g = 1; g <= ng; g++)
			count[g] += count[g - 1];
		for (size_t i = 0; i < b->n; i++)
			m->sort_buf[count[b->rows[i].grid + 1]++] = b->rows[i];
		memcpy(b->rows, m->sort_buf, b->n * sizeof *m->sort_buf);
		free(count);
	}
	if (!m->next_id)
		return;
	for (size_t i = 0; i < b->n; i++) {
		const res_row *x = &b->rows[i];
		int64_t id = m->next_id++;
		if (x->has_id)
			people_hkeys_add(&m->ids, x->id_hash, id, x->row);
		if (x->phone_len)
			people_hkeys_add(&m->phones, x->phone_hash, id, x->row);
	}
}

void *people_import_producer(void *arg)
{
	res_imp *m = arg;
	batch *b = batch_get_free(m);
	gz_row row;
	gz_err e;
	int rc;
	gz_err_clear(&e);
	while (!atomic_load(&m->stop) && (rc = gz_table_next(m->t, &row, &e)) == 1) {
		if (gz_row_blank(&row))
			continue;
		m->rows++;
		size_t before = m->pp.count;
		if (resident_row(m, &row, b, &b->rows[b->n]) == 0)
			b->n++;
		if (m->pp.count != before)
			atomic_fetch_add(&m->problem_count, m->pp.count - before);
		if (b->n == BATCH_ROWS) {
			batch_ready(m, b);
			queue_put(m, b);
			b = batch_get_free(m);
		}
	}
	if (!atomic_load(&m->stop) && rc < 0) {
		people_file_problem(&m->pp, &m->h, &e);
		m->file_error = true;
		atomic_fetch_add(&m->problem_count, 1);
	}
	if (b->n) {
		batch_ready(m, b);
		queue_put(m, b);
	} else {
		people_batch_put_free(m, b);
	}
	queue_put(m, NULL);
	/* The consumer is still writing rows: sort the keys meanwhile. */
	if (m->next_id && !atomic_load(&m->stop)) {
		people_hkeys_sort(&m->ids);
		people_hkeys_sort(&m->phones);
		m->keys_sorted = true;
	}
	return NULL;
}
