/* Residents and units from CSV or .xlsx: one code path for POST /api/v1/residents/import,
 * POST /api/v1/units/import and `gongzhi import residents|units FILE`.
 *
 * All or nothing. Every row is checked, every problem is reported (row as Excel/WPS
 * shows it, the column's header as the file writes it, a reason in Chinese), and only a
 * file without a single problem is written — in ONE transaction, with one audit row and
 * one update of record_counts per table.
 *
 * Residents (the fast path: a million rows in seconds, bench/import.sh). Two threads:
 *   producer  reads rows (core/table.h), checks them (domain/person.h, resident.h),
 *             seals phone / ID number / birth date / sensitive tags and computes the
 *             keyed hashes — everything that needs no database;
 *   consumer  (the calling thread, which owns the connection) resolves buildings, units
 *             and households and inserts the rows, several per statement (on SQLite with
 *             ids it hands out itself: the write lock is held from BEGIN IMMEDIATE).
 * Batches of rows travel through a small queue, so parsing and sealing overlap with the
 * inserts. The lookup keys (resident_id_keys, resident_phone_keys) are collected in
 * memory and written after the last row, sorted, many per statement: sorting also puts
 * duplicate ID numbers of the file next to each other, and an ID number already held
 * by a resident shows up as a key that is already there. As soon as any problem is
 * known the consumer stops inserting and only looks up (so every problem still gets
 * reported), and at the end the transaction is rolled back. A dry run only reads, in
 * one read transaction.
 *
 * Units are few (a community has thousands): one thread; rows naming the same building
 * and room are one unit with several owners (co-owners).
 *
 * On SQLite the import enlarges the connection's page cache for its duration, and
 * restores it after.
 *
 * This file holds the residents import and the entry point; import_units.c the units
 * import; the pieces both use are listed in import_internal.h. */
#include "modules/people/import_internal.h"
#include "modules/people/people_internal.h"
#include "api/ratelimit.h"
#include "core/json.h"
#include "core/mem.h"
#include "core/time.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int people_import_residents(gz_db *db, const gz_actor *a, const char *buf, size_t len, bool dry_run,
                            json_t **report, gz_err *err)
{
	pthread_once(&people_sql_once, people_sql_build);
	res_imp *m = gz_calloc(1, sizeof *m);
	consumer c = {.m = m, .dry_run = dry_run};
	c.pl.db = db;
	c.cp.keep = GZ_PEOPLE_IMPORT_MAX_ERRORS_REPORT;
	m->pp.keep = GZ_PEOPLE_IMPORT_MAX_ERRORS_REPORT;
	m->crypto = gz_crypto_global();
	m->now = gz_time_now_ms();
	pthread_mutex_init(&m->mu, NULL);
	pthread_cond_init(&m->can_put, NULL);
	pthread_cond_init(&m->can_get, NULL);
	c.pl.grids = &m->grids;
	bool xlsx = false, in_tx = false, started = false;
	int ret = -1;
	pthread_t th;

	if (!m->crypto) {
		gz_err_set(err, GZ_EINTERNAL, "crypto_unavailable", "服务器未加载个人信息加密密钥");
		goto out;
	}
	if (people_gridset_load(db, a, &m->grids, err) < 0 ||
	    people_tagcat_load(db, m->crypto, &m->tags, err) < 0)
		goto out;
	c.grid_created = gz_calloc(m->grids.n + 1, sizeof *c.grid_created);

	gz_err terr;
	gz_err_clear(&terr);
	m->t = people_table_open(buf, len, &xlsx, &terr);
	int hrc =
	    m->t ? people_header_read(m->t, people_resident_cols, RC__COUNT, &m->h, &m->pp, &terr)
	         : -1;
	if (hrc < 0) {
		people_file_problem(&m->pp, m->t ? &m->h : NULL, &terr);
	} else if (hrc == 0) {
		people_problem_add(&m->pp, 1, NULL, "文件为空");
	} else {
		m->have_grid_col = m->h.col[RC_GRID] >= 0;
		m->have_unit_cols = m->h.col[RC_BUILDING] >= 0 && m->h.col[RC_ROOM] >= 0;
		if (m->h.col[RC_NAME] < 0)
			people_missing_col(&m->pp, &m->h, people_resident_cols, RC_NAME,
			                   "缺少必需的列");
		if (m->h.col[RC_ID] < 0)
			people_missing_col(&m->pp, &m->h, people_resident_cols, RC_ID,
			                   "缺少必需的列");
		if (!m->have_grid_col && !m->have_unit_cols)
			people_missing_col(&m->pp, &m->h, people_resident_cols, RC_GRID,
			                   "缺少必需的列（或提供 楼栋 和 房号 两列）");
	}
	if (m->pp.count) {
		ret = 0;
		goto report;
	}
	/* An account out of lookups is refused before the work. */
	if (gz_ratelimit_pii(a, db, "resident.import", 0, false, err) != 0)
		goto out;
	{
		int n =
		    gz_actor_scopes(a, ACT_READ, RES_RESIDENT, c.rscopes, GZ_AUTH_MAX_GRANTS, err);
		c.nrscopes = n > 0 ? n : 0;
		gz_err_clear(err);
	}

	people_cache_big(db, true);
	/* One transaction: the write transaction, or for a dry run a read transaction (one
	 * snapshot, and on SQLite one lock instead of one per statement). */
	if (dry_run ? gz_db_exec(db, "BEGIN", err) < 0 : gz_db_begin(db, err) < 0)
		goto out;
	in_tx = true;
	c.write = !dry_run;
	if (!dry_run && gz_db_driver(db) == GZ_DB_SQLITE) {
		int64_t max = 0;
		if (gz_db_query_int64(db, "SELECT COALESCE(MAX(id), 0) FROM residents", &max, err,
		                      0) < 0)
			goto out;
		c.given_ids = true;
		c.next_id = max + 1;
		m->next_id = max + 1;
	}
	if (pthread_create(&th, NULL, people_import_producer, m) != 0) {
		gz_err_set(err, GZ_EINTERNAL, "internal", "无法启动导入线程");
		goto out;
	}
	started = true;
	batch *b;
	bool failed = false;
	while ((b = people_queue_get(m))) {
		for (size_t i = 0; i < b->n && !failed; i++)
			failed = people_consume_row(&c, b, &b->rows[i], err) < 0;
		/* Pending rows point into the batch: write them before it is reused. */
		if (!failed && (people_flush_plain(&c, err) < 0 || people_flush_rows(&c, err) < 0))
			failed = true;
		people_batch_put_free(m, b);
		if (failed) {
			atomic_store(&m->stop, true);
			pthread_mutex_lock(&m->mu);
			pthread_cond_broadcast(&m->can_put);
			pthread_mutex_unlock(&m->mu);
		}
	}
	pthread_join(th, NULL);
	started = false;
	if (failed || people_finish_keys(&c, err) < 0)
		goto out;

	/* The comparison is charged to the caller's account before anything of its result
	 * is sent or committed (gz_ratelimit_pii), and audited. */
	/* The command line compares against its own register: no charge, no lookup audit. */
	bool charge = !gz_actor_is_operator(a) && c.compared;
	if (!dry_run && !atomic_load(&m->problem_count)) {
		int lim = charge ? gz_ratelimit_pii(a, db, "resident.import", (int64_t)c.compared,
		                                    true, err)
		                 : 0;
		if (lim == 1)
			in_tx = false; /* rolled back */
		if (lim != 0)
			goto out;
		char scope[SPACE_CODE_SIZE];
		people_span_scope(&c.sp, scope, sizeof scope);
		json_t *detail = json_pack(
		    "{s:s,s:I,s:I,s:I,s:I}", "format", xlsx ? "xlsx" : "csv", "rows",
		    (json_int_t)m->rows, "created", (json_int_t)c.created, "households_created",
		    (json_int_t)c.pl.households_created, "bytes", (json_int_t)len);
		int rc = 0;
		for (size_t g = 0; g < m->grids.n && rc == 0; g++)
			rc = people_count(db, m->grids.codes[g], RECORD_ACTIVE, c.grid_created[g],
			                  err);
		rc = rc < 0 ||
		             gz_db_count_add(db, "households", (int64_t)c.pl.households_created,
		                             err) < 0 ||
		             gz_audit(a, db, "resident.import", "resident", "", scope, detail,
		                      err) < 0 ||
		             (charge && people_lookup_audit(db, a, "resident", false, m->rows,
		                                            c.compared, 0, 0, err) < 0)
		         ? -1
		         : 0;
		json_decref(detail);
		if (rc < 0)
			goto out;
		json_t *rep = people_residents_report(m, &c, dry_run, xlsx);
		if (gz_api_commit(a->req, db, c.created > 0 ? 201 : 200, rep, err) < 0) {
			json_decref(rep);
			goto out;
		}
		in_tx = false;
		*report = rep;
		ret = 0;
		goto out;
	} else {
		/* Nothing to write: end the (read or failed) transaction, then charge and
		 * audit in short transactions of their own. */
		gz_db_rollback(db);
		in_tx = false;
		if (charge) {
			if (gz_ratelimit_pii(a, db, "resident.import", (int64_t)c.compared, false,
			                     err) != 0)
				goto out;
			if (gz_db_begin(db, err) < 0)
				goto out;
			if (people_lookup_audit(db, a, "resident", dry_run, m->rows, c.compared,
			                        c.matched, c.hidden, err) < 0 ||
			    gz_db_commit(db, err) < 0) {
				gz_db_rollback(db);
				goto out;
			}
		}
	}
	if (c.hidden)
		people_problem_add(
		    &c.cp, 0, people_colname(&m->h, people_resident_cols, RC_ID),
		    "有 %zu 行的身份证号与您管辖范围以外已登记的居民重复（不逐行列出）："
		    "请联系街道管理员核实",
		    c.hidden);
	ret = 0;

report:
	*report = people_residents_report(m, &c, dry_run, xlsx);
out:
	if (started) {
		atomic_store(&m->stop, true);
		pthread_mutex_lock(&m->mu);
		pthread_cond_broadcast(&m->can_put);
		pthread_mutex_unlock(&m->mu);
		batch *b2;
		while ((b2 = people_queue_get(m)))
			people_batch_put_free(m, b2);
		pthread_join(th, NULL);
	}
	if (in_tx)
		gz_db_rollback(db);
	people_cache_big(db, false);
	for (size_t i = 0; i < m->nfree; i++) {
		free(m->free_list[i]->pool);
		free(m->free_list[i]);
	}
	gz_table_free(m->t);
	people_header_free(&m->h);
	people_gridset_free(&m->grids);
	free(m->tags.v);
	people_problems_free(&m->pp);
	people_problems_free(&c.cp);
	people_places_free(&c.pl);
	people_hkeys_free(&c.ids);
	people_hkeys_free(&c.phones);
	people_hkeys_free(&m->ids);
	people_hkeys_free(&m->phones);
	free(c.grid_created);
	free(m->sort_buf);
	pthread_mutex_destroy(&m->mu);
	pthread_cond_destroy(&m->can_put);
	pthread_cond_destroy(&m->can_get);
	free(m);
	return ret;
}

/* ================================================================ entry points */

int gz_people_import(gz_db *db, const gz_actor *a, gz_people_kind kind, const char *buf, size_t len,
                     bool dry_run, json_t **report, gz_err *err)
{
	*report = NULL;
	return kind == GZ_PEOPLE_UNITS
	           ? people_import_units(db, a, buf, len, dry_run, report, err)
	           : people_import_residents(db, a, buf, len, dry_run, report, err);
}
