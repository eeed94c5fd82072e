/* Subcommands of the gongzhi binary beyond serve/migrate/backup (see src/main.c).
 * Each takes argc/argv starting at the subcommand's name and returns the exit code
 * (0 ok, 1 failure, 2 usage). The database URL is in GONGZHI_DB (set by --db). */
#ifndef GZ_CLI_CLI_H
#define GZ_CLI_CLI_H

#include <stdbool.h>

/* gongzhi user add|passwd|grant|revoke|list ... (src/cli/user.c) */
int gz_cli_user(int argc, char **argv);
extern const char gz_cli_user_usage[];

/* gongzhi import grids FILE.geojson (src/cli/import.c) */
int gz_cli_import(int argc, char **argv);
extern const char gz_cli_import_usage[];

/* gongzhi demo [--seed N] [--force] and gongzhi gen --residents N (src/cli/demo.c) */
int gz_cli_demo(int argc, char **argv);
extern const char gz_cli_demo_usage[];
int gz_cli_gen(int argc, char **argv);
extern const char gz_cli_gen_usage[];

/* The arguments of a subcommand after its first skip words, with "--db URL" and
 * "--db=URL" taken out wherever they stand (they set GONGZHI_DB). *rest is malloc'd
 * (the caller frees it) and NULL-terminated; returns how many it holds. */
int gz_cli_args(int argc, char **argv, int skip, char ***rest);

#define GZ_CLI_DEFAULT_DB "sqlite:data/gongzhi.db"

/* The database URL: GONGZHI_DB (set by --db), else GZ_CLI_DEFAULT_DB. */
const char *gz_cli_db_url(void);

/* gongzhi jobs enqueue|list|kinds (src/cli/jobs.c) */
int gz_cli_jobs(int argc, char **argv);
extern const char gz_cli_jobs_usage[];

/* Opens the database named by GONGZHI_DB (default sqlite:data/gongzhi.db), creating
 * the directory of a SQLite file and applying migrations. NULL after printing why. */
struct gz_db *gz_cli_open_db(void);
/* The same for a given URL. */
struct gz_db *gz_cli_open_db_url(const char *url);

/* Loads the personal-data key (see gz_crypto_key_path()) for commands that read or
 * write encrypted fields, and opens the media store (gz_blob_dir_for(), creating its
 * directory) where uploaded files are kept. Returns 0, or -1 after printing why. */
int gz_cli_load_keys(void);
/* The same for a given URL. Must run before any thread starts. */
int gz_cli_load_keys_url(const char *url);

#endif
