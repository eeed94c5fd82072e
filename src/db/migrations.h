/* Schema migrations, embedded at build time (cmake/embed.cmake) from their owners'
 * folders: src/db/migrations/NNNN_name.sql (the core: tables every module uses) and
 * src/modules/M/migrations/NNNN_name.sql (module M). A migration is known by its name
 * ("0001_core", "space/0002_space"), so two modules never collide: each numbers its own
 * files. Files never change once landed. */
#ifndef GZ_DB_MIGRATIONS_H
#define GZ_DB_MIGRATIONS_H

#include <stddef.h>

typedef struct gz_migration {
	int version; /* the number of its file, within its owner */
	const char *name;
	const char *sql;
} gz_migration;

/* One owner's migrations in order, ended by {0, NULL, NULL}. */
typedef struct gz_migration_set {
	const char *owner; /* "core" or a module's folder name */
	const gz_migration *list;
} gz_migration_set;

/* Every owner's set, ended by {NULL, NULL}. */
extern const gz_migration_set gz_migration_sets[];

/* The migrations of owner, or NULL when it has none. */
const gz_migration *gz_migrations_of(const char *owner);

/* Adds a module's migrations to those gz_db_migrate applies, after the core's and the
 * modules' added before: call in module order at start-up (gz_modules_init does), so a
 * module's tables exist before those of the modules that build on it. Not thread-safe. */
void gz_db_add_migrations(const char *owner);

/* The migrations gz_db_migrate applies, in order: the core's, then each added owner's.
 * Fills up to max entries and returns how many there are. */
size_t gz_db_migrations_planned(const gz_migration **out, size_t max);

#endif
