/* The deliberation module's commands (cli.c, pb_cli.c). */
#ifndef GZ_MODULES_DELIBERATION_CLI_H
#define GZ_MODULES_DELIBERATION_CLI_H

#include <stddef.h>

/* gongzhi tally --rule RULE FILE.csv */
int gz_delib_tally(int argc, char **argv);
extern const char gz_delib_tally_usage[];

/* gongzhi pb --rule greedy|mes|mes-add1 FILE.pb */
int gz_delib_pb(int argc, char **argv);
extern const char gz_delib_pb_usage[];

/* A file mapped read-only for a command. */
typedef struct {
	const char *buf; /* "" when empty */
	size_t len;
	void *map;
} gz_delib_file;

/* Maps path (a regular file of at most max bytes). Returns 0, or -1 after printing why on
 * stderr, prefixed with prefix. Unmap with gz_delib_unmap_file. */
int gz_delib_map_file(const char *prefix, const char *path, size_t max, gz_delib_file *f);
void gz_delib_unmap_file(gz_delib_file *f);

#endif
