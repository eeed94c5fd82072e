/* Internal: the driver vtable behind gz_db. Only the db/ sources include this. */
#ifndef GZ_DB_DRIVER_H
#define GZ_DB_DRIVER_H

#include "db/db.h"

typedef struct gz_db_ops {
	const char *name;
	void (*close)(gz_db *db);
	int (*exec)(gz_db *db, const char *sql, gz_err *err);
	int (*begin)(gz_db *db, gz_err *err);
	gz_stmt *(*prepare)(gz_db *db, const char *sql, gz_err *err);
	void (*bind_int64)(gz_stmt *st, int idx, int64_t v);
	void (*bind_text)(gz_stmt *st, int idx, const char *s, size_t len);
	void (*bind_blob)(gz_stmt *st, int idx, const void *p, size_t len);
	void (*bind_null)(gz_stmt *st, int idx);
	int (*step)(gz_stmt *st, gz_err *err);
	bool (*isnull)(gz_stmt *st, int col);
	int64_t (*int64)(gz_stmt *st, int col);
	const char *(*text)(gz_stmt *st, int col);
	size_t (*len)(gz_stmt *st, int col);
	const void *(*blob)(gz_stmt *st, int col);
	int (*columns)(gz_stmt *st);
	int64_t (*changes)(gz_stmt *st);
	void (*finish)(gz_stmt *st);
	int (*backup)(gz_db *db, const char *dest, gz_err *err);
} gz_db_ops;

/* Every driver's connection struct starts with this header. */
struct gz_db {
	const gz_db_ops *ops;
	gz_db_kind kind;
};

/* Every driver's statement struct starts with this header. */
struct gz_stmt {
	gz_db *db;
};

gz_db *gz_sqlite_open(const char *path, gz_err *err);
gz_db *gz_pg_open(const char *conninfo, gz_err *err);

/* Rewrites dialect markers in migration SQL for a driver ({{ID}}, {{BLOB}}, ...).
 * Returns malloc'd text. */
char *gz_db_dialect(const char *sql, gz_db_kind kind);

#endif
