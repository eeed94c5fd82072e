/* PostgreSQL driver (libpq). SQL already uses $1..$N, so statements go to the server
 * unchanged as named prepared statements, cached per connection like sqlite.c.
 *
 * Parameters travel in text format (int64, text) or binary (blobs, so bytes need no
 * escaping); results come back in text format and bytea is decoded on demand.
 *
 * Sessions run with client_encoding UTF8 and TimeZone UTC. When the connection drops,
 * the next exec/begin/prepare tries one PQreset; prepared statements die with the old
 * session, so the cache is emptied and statements still held by callers are marked
 * stale (their next step fails, finish frees them). A transaction that was open when
 * the connection dropped is gone: until the caller rolls back (or begins anew) every
 * call fails, so later statements cannot silently run outside that transaction. */
#include "db/driver.h"
#include "core/mem.h"

#include <errno.h>
#include <libpq-fe.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_PARAMS GZ_DB_MAX_PARAMS

/* Type OIDs from catalog/pg_type.h (server headers are not needed for two numbers). */
#define PG_BOOLOID  16
#define PG_BYTEAOID 17

typedef struct pg_stmt {
	gz_stmt base;
	unsigned id;  /* server-side name is "s<id>" */
	unsigned gen; /* connection generation it was prepared on */
	int nparams;  /* parameters the server expects ($1..$nparams) */
	int ncols;    /* result columns, from the description */
	/* nparams bound values, kept until the first step: NULL = SQL NULL. Text and
	 * blobs are owned copies; int64 values point into ibuf. */
	const char **vals;
	int *lens;
	int *fmts;
	bool *owned;
	char (*ibuf)[24];
	PGresult *res; /* NULL until executed */
	int row, nrows;
	unsigned char **dec; /* per column: decoded bytea of the current row (PQfreemem) */
	size_t *declen;
	int64_t changes;
} pg_stmt;

typedef struct pg_db {
	gz_db base;
	PGconn *conn;
	unsigned gen;      /* bumped on every reconnect */
	unsigned next_id;  /* statement names */
	bool in_tx;        /* a transaction was open after the last command */
	bool tx_lost;      /* the connection dropped inside a transaction */
	unsigned *dealloc; /* uncached statements to DEALLOCATE once the tx is over */
	int ndealloc, capdealloc;
} pg_db;

static const gz_db_ops pg_ops;

static void pg_notice_ignore(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

/* Copies the first line of a libpq message, without a "FATAL:  " style prefix, cut
 * to fit at a UTF-8 character boundary (the message may be translated). */
static void pg_msg(char *out, size_t cap, const char *m)
{
	m = m ? m : "";
	const char *sep = strstr(m, ":  ");
	if (sep && sep - m <= 8)
		m = sep + 3;
	size_t n = strcspn(m, "\n");
	if (n >= cap) {
		n = cap - 1;
		while (n > 0 && ((unsigned char)m[n] & 0xc0) == 0x80)
			n--;
	}
	memcpy(out, m, n);
	out[n] = '\0';
}

/* Remembers whether a transaction is open, so that losing the connection inside one
 * can be detected afterwards (PQtransactionStatus says UNKNOWN by then). */
static void pg_note(pg_db *db)
{
	if (PQstatus(db->conn) == CONNECTION_OK) {
		PGTransactionStatusType t = PQtransactionStatus(db->conn);
		db->in_tx = t == PQTRANS_INTRANS || t == PQTRANS_INERROR;
	} else if (db->in_tx) {
		db->tx_lost = true;
		db->in_tx = false;
	}
}

/* Maps a failed result (res may be NULL) to a gz_err. Always returns -1. */
static int pg_error(pg_db *db, const PGresult *res, gz_err *err)
{
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	const char *m = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	char msg[200];
	pg_msg(msg, sizeof msg, m ? m : PQerrorMessage(db->conn));
	pg_note(db);

	if (state && !strncmp(state, "23", 2)) /* integrity constraint violation */
		return gz_err_set(err, GZ_ECONFLICT, "conflict", "与已有数据冲突：%s", msg);
	if (state && (!strcmp(state, "40001") || !strcmp(state, "40P01") ||
	              !strcmp(state, "55P03") || !strcmp(state, "57014")))
		/* serialization failure, deadlock, lock_timeout, statement_timeout */
		return gz_err_set(err, GZ_EUNAVAILABLE, "db_busy", "数据库繁忙，请稍后重试");
	if (PQstatus(db->conn) == CONNECTION_BAD ||
	    (state &&
	     (!strncmp(state, "08", 2) || !strncmp(state, "53", 2) || !strcmp(state, "57P01") ||
	      !strcmp(state, "57P02") || !strcmp(state, "57P03"))))
		/* connection lost, server shutting down, out of connections/disk/memory */
		return gz_err_set(err, GZ_EUNAVAILABLE, "db_unavailable", "数据库不可用：%s", msg);
	return gz_err_set(err, GZ_EINTERNAL, "db_error", "数据库错误：%s", msg);
}

/* Per-session settings; run after connecting and after every reset. */
static int pg_session_setup(pg_db *db, gz_err *err)
{
	PGresult *r = PQexec(db->conn, "SET client_encoding TO 'UTF8'; SET TIME ZONE 'UTC'");
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		pg_error(db, r, err);
		PQclear(r);
		return -1;
	}
	PQclear(r);
	return 0;
}

gz_db *gz_pg_open(const char *conninfo, gz_err *err)
{
	/* conninfo is expanded last, so anything it sets overrides these defaults. */
	const char *keys[] = {"fallback_application_name", "connect_timeout", "client_encoding",
	                      "dbname", NULL};
	const char *vals[] = {"gongzhi", "10", "UTF8", conninfo, NULL};
	PGconn *conn = PQconnectdbParams(keys, vals, 1);
	if (!conn) {
		gz_err_set(err, GZ_EUNAVAILABLE, "db_unavailable",
		           "cannot connect to PostgreSQL: out of memory");
		return NULL;
	}
	if (PQstatus(conn) != CONNECTION_OK) {
		/* The message names host and user, never the password. */
		char msg[200];
		pg_msg(msg, sizeof msg, PQerrorMessage(conn));
		gz_err_set(err, GZ_EUNAVAILABLE, "db_unavailable",
		           "cannot connect to PostgreSQL: %s", msg);
		PQfinish(conn);
		return NULL;
	}
	PQsetNoticeProcessor(conn, pg_notice_ignore, NULL);
	pg_db *db = gz_calloc(1, sizeof *db);
	db->base.ops = &pg_ops;
	db->base.kind = GZ_DB_POSTGRES;
	db->conn = conn;
	if (pg_session_setup(db, err) < 0) {
		PQfinish(conn);
		free(db);
		return NULL;
	}
	gz_stmt_cache_init(&db->base.cache, gz_db_stmt_cache_capacity_default());
	return &db->base;
}

static void pg_clear_result(pg_stmt *s)
{
	if (s->dec) {
		for (int i = 0; i < s->ncols; i++)
			PQfreemem(s->dec[i]);
		free(s->dec);
		free(s->declen);
		s->dec = NULL;
		s->declen = NULL;
	}
	PQclear(s->res);
	s->res = NULL;
	s->row = s->nrows = 0;
}

static void pg_clear_params(pg_stmt *s)
{
	for (int i = 0; i < s->nparams; i++) {
		if (s->owned[i])
			free((void *)s->vals[i]);
		s->vals[i] = NULL;
		s->lens[i] = 0;
		s->fmts[i] = 0;
		s->owned[i] = false;
	}
}

static void pg_free_stmt(pg_stmt *s)
{
	pg_clear_result(s);
	pg_clear_params(s);
	free(s->vals);
	free(s->lens);
	free(s->fmts);
	free(s->owned);
	free(s->ibuf);
	free(s->base.sql);
	free(s);
}

/* Drops the server-side statement "s<id>". Inside a failed transaction DEALLOCATE
 * itself would be refused, so it is queued until the transaction is over. */
static void pg_deallocate(pg_db *db, unsigned id)
{
	if (PQstatus(db->conn) != CONNECTION_OK)
		return; /* the session, and the statement with it, is gone */
	if (PQtransactionStatus(db->conn) != PQTRANS_IDLE &&
	    PQtransactionStatus(db->conn) != PQTRANS_INTRANS) {
		if (db->ndealloc == db->capdealloc) {
			db->capdealloc = db->capdealloc ? db->capdealloc * 2 : 8;
			db->dealloc =
			    gz_realloc(db->dealloc, (size_t)db->capdealloc * sizeof *db->dealloc);
		}
		db->dealloc[db->ndealloc++] = id;
		return;
	}
	char sql[40];
	snprintf(sql, sizeof sql, "DEALLOCATE s%u", id);
	PQclear(PQexec(db->conn, sql));
	pg_note(db);
}

/* Evicted from the cache: gone from the server too (now, or when the transaction is
 * over, see pg_deallocate), unless it belonged to a session that is already gone. */
static void pg_evict(gz_db *base, gz_stmt *st)
{
	pg_db *db = (pg_db *)base;
	pg_stmt *s = (pg_stmt *)st;
	if (s->gen == db->gen)
		pg_deallocate(db, s->id);
	pg_free_stmt(s);
}

/* Frees a statement whose server side needs no DEALLOCATE (session gone or closing). */
static void pg_release(gz_db *base, gz_stmt *st)
{
	(void)base;
	pg_free_stmt((pg_stmt *)st);
}

/* Forgets every prepared statement after the session was replaced. Statements a caller
 * still holds keep their old generation: step refuses them, finish frees them. */
static void pg_drop_cache(pg_db *db)
{
	gz_stmt_cache_clear(&db->base, pg_release);
	db->ndealloc = 0;
}

/* Called before every command: reconnects once if the connection is broken, refuses
 * work after a transaction was lost (unless this call ends or starts one: ends_tx),
 * and drops statements queued for DEALLOCATE when no transaction is open. */
static int pg_ensure(pg_db *db, bool ends_tx, gz_err *err)
{
	if (PQstatus(db->conn) == CONNECTION_OK && PQtransactionStatus(db->conn) == PQTRANS_IDLE) {
		/* A server restart or idle timeout closes the socket while we wait; a
		 * non-blocking read notices that before a statement is sent into it. */
		if (PQconsumeInput(db->conn))
			PQconsumeInput(db->conn);
	}
	if (PQstatus(db->conn) != CONNECTION_OK) {
		if (db->in_tx)
			db->tx_lost = true;
		db->in_tx = false;
		PQreset(db->conn);
		db->gen++;
		pg_drop_cache(db);
		if (PQstatus(db->conn) != CONNECTION_OK) {
			char msg[200];
			pg_msg(msg, sizeof msg, PQerrorMessage(db->conn));
			return gz_err_set(err, GZ_EUNAVAILABLE, "db_unavailable",
			                  "数据库不可用：%s", msg);
		}
		if (pg_session_setup(db, err) < 0)
			return -1;
	}
	if (db->tx_lost) {
		if (!ends_tx)
			return gz_err_set(err, GZ_EUNAVAILABLE, "db_unavailable",
			                  "数据库连接在事务中断开，事务已回滚，请重试");
		db->tx_lost = false;
	}
	if (db->ndealloc && PQtransactionStatus(db->conn) == PQTRANS_IDLE) {
		int n = db->ndealloc;
		db->ndealloc = 0;
		for (int i = 0; i < n; i++)
			pg_deallocate(db, db->dealloc[i]);
	}
	return 0;
}

static void pg_close(gz_db *base)
{
	pg_db *db = (pg_db *)base;
	gz_stmt_cache_clear(base, pg_release);
	gz_stmt_cache_free(&base->cache);
	free(db->dealloc);
	PQfinish(db->conn);
	free(db);
}

static int pg_run(pg_db *db, const char *sql, gz_err *err);

static int pg_listen(gz_db *base, const char *channel, gz_err *err)
{
	pg_db *db = (pg_db *)base;
	if (pg_ensure(db, false, err) < 0)
		return -1;
	char *id = PQescapeIdentifier(db->conn, channel, strlen(channel));
	if (!id)
		return gz_err_set(err, GZ_EINTERNAL, "db_error", "数据库错误：无效的通道名");
	char sql[160];
	snprintf(sql, sizeof sql, "LISTEN %s", id);
	PQfreemem(id);
	return pg_run(db, sql, err);
}

/* Waits on the connection's socket: a notification may arrive at any time while the
 * connection is idle, and PQconsumeInput reads it without blocking. */
static int pg_wait_notify(gz_db *base, int timeout_ms, char **payload, gz_err *err)
{
	pg_db *db = (pg_db *)base;
	for (;;) {
		PGnotify *n = PQnotifies(db->conn);
		if (n) {
			*payload = gz_strdup(n->extra ? n->extra : "");
			PQfreemem(n);
			return 1;
		}
		int fd = PQsocket(db->conn);
		if (fd < 0 || PQstatus(db->conn) != CONNECTION_OK)
			return gz_err_set(err, GZ_EUNAVAILABLE, "db_unavailable",
			                  "数据库连接已断开");
		struct pollfd p = {.fd = fd, .events = POLLIN};
		int rc = poll(&p, 1, timeout_ms);
		if (rc < 0 && errno != EINTR)
			return gz_err_set(err, GZ_EUNAVAILABLE, "db_unavailable",
			                  "数据库连接已断开");
		if (rc == 0)
			return 0;
		if (rc > 0 && !PQconsumeInput(db->conn))
			return gz_err_set(err, GZ_EUNAVAILABLE, "db_unavailable",
			                  "数据库连接已断开");
		/* Only the notifications' wait is bounded; after a wake-up loop once more. */
		timeout_ms = 0;
	}
}

static int pg_run(pg_db *db, const char *sql, gz_err *err)
{
	PGresult *r = PQexec(db->conn, sql);
	ExecStatusType st = PQresultStatus(r);
	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK && st != PGRES_EMPTY_QUERY) {
		pg_error(db, r, err);
		PQclear(r);
		return -1;
	}
	/* COMMIT of a transaction an earlier error aborted "succeeds" with the tag
	 * ROLLBACK; the caller must hear that nothing was written. */
	bool rolled_back = !strcasecmp(sql, "COMMIT") && !strcmp(PQcmdStatus(r), "ROLLBACK");
	PQclear(r);
	pg_note(db);
	if (rolled_back)
		return gz_err_set(err, GZ_EINTERNAL, "db_error",
		                  "数据库错误：事务因先前的错误已中止，提交未生效");
	return 0;
}

static int pg_exec(gz_db *base, const char *sql, gz_err *err)
{
	pg_db *db = (pg_db *)base;
	if (pg_ensure(db, !strcasecmp(sql, "ROLLBACK"), err) < 0)
		return -1;
	return pg_run(db, sql, err);
}

/* db.c has refused a nested begin (pg_in_tx). A read snapshot is REPEATABLE READ: every
 * statement of the transaction sees the data as of its first statement. */
static int pg_begin(gz_db *base, bool read, gz_err *err)
{
	pg_db *db = (pg_db *)base;
	const char *sql = read ? "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY" : "BEGIN";
	if (pg_ensure(db, true, err) < 0)
		return -1;
	int rc = pg_run(db, sql, err);
	if (rc == 0 || PQstatus(db->conn) == CONNECTION_OK)
		return rc;
	/* The connection died while idle (say, a server restart): nothing was lost, so
	 * reconnect and try once more. */
	if (pg_ensure(db, true, err) < 0)
		return -1;
	return pg_run(db, sql, err);
}

static int pg_end(gz_db *base, bool commit, bool read, gz_err *err)
{
	(void)read;
	return pg_exec(base, commit ? "COMMIT" : "ROLLBACK", err);
}

/* Open, aborted, or lost with the connection and not yet rolled back: in each case a
 * new begin would start a second unit of work that the caller does not expect. */
static bool pg_in_tx(gz_db *base)
{
	pg_db *db = (pg_db *)base;
	if (db->tx_lost)
		return true;
	if (PQstatus(db->conn) != CONNECTION_OK)
		return db->in_tx;
	return PQtransactionStatus(db->conn) != PQTRANS_IDLE;
}

/* Prepares "s<id>" on the server and learns its parameter and column counts. */
static pg_stmt *pg_new_stmt(pg_db *db, const char *sql, gz_err *err)
{
	unsigned id = ++db->next_id;
	char name[24];
	snprintf(name, sizeof name, "s%u", id);
	PGresult *r = PQprepare(db->conn, name, sql, 0, NULL);
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		pg_error(db, r, err);
		PQclear(r);
		return NULL;
	}
	PQclear(r);
	r = PQdescribePrepared(db->conn, name);
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		pg_error(db, r, err);
		PQclear(r);
		pg_deallocate(db, id);
		return NULL;
	}
	int np = PQnparams(r), nc = PQnfields(r);
	PQclear(r);
	pg_note(db);
	if (np > MAX_PARAMS) {
		pg_deallocate(db, id);
		gz_err_set(err, GZ_EINTERNAL, "db_error", "数据库错误：参数超过 %d 个", MAX_PARAMS);
		return NULL;
	}
	pg_stmt *s = gz_calloc(1, sizeof *s);
	s->base.db = &db->base;
	s->base.sql = gz_strdup(sql);
	s->id = id;
	s->gen = db->gen;
	s->nparams = np;
	s->ncols = nc;
	s->vals = gz_calloc((size_t)np, sizeof *s->vals);
	s->lens = gz_calloc((size_t)np, sizeof *s->lens);
	s->fmts = gz_calloc((size_t)np, sizeof *s->fmts);
	s->owned = gz_calloc((size_t)np, sizeof *s->owned);
	s->ibuf = gz_calloc((size_t)np, sizeof *s->ibuf);
	return s;
}

static gz_stmt *pg_prepare(gz_db *base, const char *sql, gz_err *err)
{
	pg_db *db = (pg_db *)base;
	if (pg_ensure(db, false, err) < 0)
		return NULL;
	uint64_t hash;
	gz_stmt *hit = gz_stmt_cache_take(base, sql, &hash);
	if (hit)
		return hit;
	pg_stmt *s = pg_new_stmt(db, sql, err);
	if (!s && PQstatus(db->conn) != CONNECTION_OK && !db->tx_lost) {
		/* Dropped while idle: preparing again on a new session is harmless. */
		if (pg_ensure(db, false, err) < 0)
			return NULL;
		s = pg_new_stmt(db, sql, err);
	}
	if (!s)
		return NULL;
	s->base.hash = hash;
	s->base.busy = true;
	gz_stmt_cache_add(base, &s->base);
	return &s->base;
}

/* Slot for parameter idx (1-based), emptied; NULL when the statement has no such
 * parameter (ignored, as SQLite does). */
static pg_stmt *pg_slot(gz_stmt *st, int idx)
{
	pg_stmt *s = (pg_stmt *)st;
	if (idx < 1 || idx > s->nparams)
		return NULL;
	int i = idx - 1;
	if (s->owned[i])
		free((void *)s->vals[i]);
	s->vals[i] = NULL;
	s->lens[i] = 0;
	s->fmts[i] = 0;
	s->owned[i] = false;
	return s;
}

static void pg_bind_int64(gz_stmt *st, int idx, int64_t v)
{
	pg_stmt *s = pg_slot(st, idx);
	if (!s)
		return;
	snprintf(s->ibuf[idx - 1], sizeof s->ibuf[idx - 1], "%lld", (long long)v);
	s->vals[idx - 1] = s->ibuf[idx - 1];
}

static void pg_bind_text(gz_stmt *st, int idx, const char *p, size_t len)
{
	pg_stmt *s = pg_slot(st, idx);
	if (!s)
		return;
	if (!p)
		return; /* NULL text is SQL NULL, as in sqlite3_bind_text */
	s->vals[idx - 1] = gz_strndup(p, len);
	s->owned[idx - 1] = true;
}

static void pg_bind_blob(gz_stmt *st, int idx, const void *p, size_t len)
{
	pg_stmt *s = pg_slot(st, idx);
	if (!s)
		return;
	if (len > 0x7fffffff)
		return; /* beyond the protocol's int length: sent as NULL, fails NOT NULL */
	char *copy = gz_malloc(len); /* never NULL, even for len 0: NULL would mean SQL NULL */
	if (len)
		memcpy(copy, p, len);
	s->vals[idx - 1] = copy;
	s->lens[idx - 1] = (int)len;
	s->fmts[idx - 1] = 1;
	s->owned[idx - 1] = true;
}

static void pg_bind_null(gz_stmt *st, int idx)
{
	pg_slot(st, idx);
}

static int pg_step(gz_stmt *st, gz_err *err)
{
	pg_stmt *s = (pg_stmt *)st;
	pg_db *db = (pg_db *)st->db;
	if (s->res) {
		if (s->dec) { /* decoded blobs of the previous row */
			for (int i = 0; i < s->ncols; i++) {
				PQfreemem(s->dec[i]);
				s->dec[i] = NULL;
			}
		}
		if (s->row + 1 < s->nrows) {
			s->row++;
			return GZ_ROW;
		}
		s->row = s->nrows;
		return GZ_DONE;
	}
	if (s->gen != db->gen)
		return gz_err_set(err, GZ_EUNAVAILABLE, "db_unavailable",
		                  "数据库不可用：连接已重置，请重新执行");
	if (db->tx_lost)
		return gz_err_set(err, GZ_EUNAVAILABLE, "db_unavailable",
		                  "数据库连接在事务中断开，事务已回滚，请重试");
	char name[24];
	snprintf(name, sizeof name, "s%u", s->id);
	PGresult *r = PQexecPrepared(db->conn, name, s->nparams, s->vals, s->lens, s->fmts, 0);
	ExecStatusType rs = PQresultStatus(r);
	if (rs != PGRES_TUPLES_OK && rs != PGRES_COMMAND_OK) {
		pg_error(db, r, err);
		PQclear(r);
		return -1;
	}
	pg_note(db);
	s->res = r;
	s->ncols = PQnfields(r);
	s->nrows = rs == PGRES_TUPLES_OK ? PQntuples(r) : 0;
	s->row = 0;
	const char *tag = PQcmdStatus(r);
	s->changes = strncmp(tag, "SELECT", 6) ? strtoll(PQcmdTuples(r), NULL, 10) : 0;
	return s->nrows > 0 ? GZ_ROW : GZ_DONE;
}

/* True when there is a current row and col is one of its columns. */
static bool pg_at(const pg_stmt *s, int col)
{
	return s->res && s->row < s->nrows && col >= 0 && col < s->ncols;
}

static bool pg_col_isnull(gz_stmt *st, int col)
{
	pg_stmt *s = (pg_stmt *)st;
	return !pg_at(s, col) || PQgetisnull(s->res, s->row, col);
}

static int64_t pg_col_int64(gz_stmt *st, int col)
{
	pg_stmt *s = (pg_stmt *)st;
	if (pg_col_isnull(st, col))
		return 0;
	const char *v = PQgetvalue(s->res, s->row, col);
	if (PQftype(s->res, col) == PG_BOOLOID)
		return v[0] == 't';
	return strtoll(v, NULL, 10);
}

static const char *pg_col_text(gz_stmt *st, int col)
{
	pg_stmt *s = (pg_stmt *)st;
	if (pg_col_isnull(st, col))
		return "";
	return PQgetvalue(s->res, s->row, col);
}

/* bytea arrives as "\x..." text; decode it once per row and column. */
static const unsigned char *pg_decoded(pg_stmt *s, int col, size_t *len)
{
	if (!s->dec) {
		s->dec = gz_calloc((size_t)s->ncols, sizeof *s->dec);
		s->declen = gz_calloc((size_t)s->ncols, sizeof *s->declen);
	}
	if (!s->dec[col]) {
		const char *v = PQgetvalue(s->res, s->row, col);
		s->dec[col] = PQunescapeBytea((const unsigned char *)v, &s->declen[col]);
		if (!s->dec[col]) {
			fprintf(stderr, "gongzhi: out of memory decoding bytea\n");
			abort();
		}
	}
	*len = s->declen[col];
	return s->dec[col];
}

static size_t pg_col_len(gz_stmt *st, int col)
{
	pg_stmt *s = (pg_stmt *)st;
	if (pg_col_isnull(st, col))
		return 0;
	if (PQftype(s->res, col) == PG_BYTEAOID) {
		size_t n;
		pg_decoded(s, col, &n);
		return n;
	}
	return (size_t)PQgetlength(s->res, s->row, col);
}

static const void *pg_col_blob(gz_stmt *st, int col)
{
	pg_stmt *s = (pg_stmt *)st;
	if (pg_col_isnull(st, col))
		return NULL;
	if (PQftype(s->res, col) == PG_BYTEAOID) {
		size_t n;
		return pg_decoded(s, col, &n);
	}
	return PQgetvalue(s->res, s->row, col);
}

static int pg_columns(gz_stmt *st)
{
	return ((pg_stmt *)st)->ncols;
}

static int64_t pg_changes(gz_stmt *st)
{
	return ((pg_stmt *)st)->changes;
}

static void pg_finish(gz_stmt *st)
{
	pg_stmt *s = (pg_stmt *)st;
	pg_db *db = (pg_db *)st->db;
	pg_clear_result(s);
	pg_clear_params(s);
	s->changes = 0;
	s->base.busy = false;
	if (!s->base.cached) {
		if (s->gen == db->gen)
			pg_deallocate(db, s->id);
		pg_free_stmt(s);
	}
}

static const gz_db_ops pg_ops = {
    .name = "postgres",
    .close = pg_close,
    .exec = pg_exec,
    .begin = pg_begin,
    .end = pg_end,
    .in_tx = pg_in_tx,
    .evict = pg_evict,
    .prepare = pg_prepare,
    .bind_int64 = pg_bind_int64,
    .bind_text = pg_bind_text,
    .bind_blob = pg_bind_blob,
    .bind_null = pg_bind_null,
    .step = pg_step,
    .isnull = pg_col_isnull,
    .int64 = pg_col_int64,
    .text = pg_col_text,
    .len = pg_col_len,
    .blob = pg_col_blob,
    .columns = pg_columns,
    .changes = pg_changes,
    .finish = pg_finish,
    .backup = NULL,
    .listen = pg_listen,
    .wait_notify = pg_wait_notify,
};
