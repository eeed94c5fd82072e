/* What the files of the visits module share (module-internal): the frequency settings
 * as the rules take them, and the due state of every key-group resident of a place.
 *
 * visits.c: record, list, one visit, a resident's own visits; due.c: the due list and
 * the counts; frequencies.c: the settings; workbench.c: the to-dos and figures the module
 * gives the workbench; load.c: the bulk load of demo data. */
#ifndef GZ_MODULES_VISITS_INTERNAL_H
#define GZ_MODULES_VISITS_INTERNAL_H

#include "api/auth.h"
#include "db/db.h"
#include "http/http.h"
#include "domain/space_code.h"
#include "modules/visits/rules.h"
#include "modules/visits/visits.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A resident who is in the register (not deleted; once people keeps a status, also
 * status = 'active': a resident who moved out or died is visited no more): the predicate
 * on residents r. Every query of the module that reads residents uses it. */
#define VISITS_LIVE_RESIDENT "r.deleted_at IS NULL AND r.status = 'active'"

/* A household's address as shown: its own, else its building and unit number ("3号楼
 * 3-2-501"), from households h LEFT JOIN units u ON u.id = h.unit_id LEFT JOIN buildings b
 * ON b.id = u.building_id (VISITS_ADDRESS_JOIN). */
#define VISITS_ADDRESS "COALESCE(NULLIF(h.address, ''), b.name || ' ' || u.number, '')"
#define VISITS_ADDRESS_JOIN                                                                        \
	" LEFT JOIN units u ON u.id = h.unit_id LEFT JOIN buildings b ON b.id = u.building_id"

/* Tag codes are at most this long (resident_tag_code_valid: 32) plus the NUL. */
#define VISITS_TAG_MAX 40

/* The frequency settings that may apply inside a range of places. */
typedef struct {
	char scope[GZ_SCOPE_MAX];
	char tag[VISITS_TAG_MAX];
} visits_freq_key;

typedef struct {
	visits_freq_key *keys; /* owned, parallel to f */
	visit_freq *f;         /* owned; f[i].scope/tag point into keys[i] */
	size_t n;
	/* The distinct tags with an interval somewhere in f (what to look for). */
	char (*tags)[VISITS_TAG_MAX];
	size_t ntags;
} visits_freqs;

/* Loads the settings that may decide for a grid in [lo, hi): rows at "" and at the street
 * and community containing lo, and rows inside the range. Returns 0, or -1 with err. Free
 * with visits_freqs_free. */
int visits_freqs_load(gz_db *db, const char *lo, const char *hi, visits_freqs *out, gz_err *err);
void visits_freqs_free(visits_freqs *fs);

/* The label and sensitivity of a tag code: built-in (person_tags) or configured
 * (resident_tag_defs). Returns 1 when known, 0 when not, -1 with err. label holds 64 bytes. */
int visits_tag_info(gz_db *db, const char *code, char *label, size_t cap, bool *sensitive,
                    gz_err *err);

/* One key-group resident and their due state. */
typedef struct {
	int64_t resident_id;
	char grid[SPACE_CODE_SIZE];
	int interval;
	bool visited;
	int64_t last_on, registered_on;
	visit_due due;
} visits_due_row;

typedef struct {
	visits_due_row *rows; /* owned */
	size_t n, cap;
} visits_due_set;

/* Appends every resident of [lo, hi) that some tag with a frequency puts on a visit list
 * (interval > 0), with the due state on day today, to out (rows of one resident are one
 * row). Work: one index range of resident_tags per tag with a frequency, one lookup of the
 * resident and of their last visit per row; never the visits table. Returns 0, or -1
 * with err set. */
int visits_due_collect(gz_db *db, const char *lo, const char *hi, int64_t today,
                       visits_due_set *out, gz_err *err);
void visits_due_free(visits_due_set *s);

/* Adds the visits made in [lo, hi) on days from..to (inclusive) to *visits: one index
 * range per grid of the range (due.c). Returns 0, or -1 with err. */
int visits_period_total(gz_db *db, const char *lo, const char *hi, int64_t from, int64_t to,
                        int64_t *visits, gz_err *err);

/* Today in Asia/Shanghai. */
int64_t visits_today(void);

/* JSON for a day: "YYYY-MM-DD". */
json_t *visits_day_json(int64_t day);

/* Query parameter ?key= as a day (YYYY-MM-DD): 0 when absent, 1 with *day set, -1 with
 * err set (400 bad_query). */
int visits_day_query(gz_req *r, const char *key, int64_t *day, gz_err *err);

/* The grids' names of a list of items with a "grid_code" member: sets "grid_name" on each
 * (null when unknown). Returns 0, or -1 with err. */
int visits_name_grids(gz_db *db, json_t *items, gz_err *err);

#endif
