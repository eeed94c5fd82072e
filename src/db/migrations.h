/* Generated at build time from src/db/migrations/NNNN_name.sql (see cmake/embed.cmake). */
#ifndef GZ_DB_MIGRATIONS_H
#define GZ_DB_MIGRATIONS_H

#include <stddef.h>

typedef struct gz_migration {
	int version;
	const char *name;
	const char *sql;
} gz_migration;

extern const gz_migration gz_migrations[];
extern const size_t gz_migrations_count;

#endif
