/* The pure half of the import (import_parse.c, import_rows.c): problems, columns and
 * cells, grid and tag sets, lookup keys, rows into sealed records and the queue between
 * the producer and the consumer. Neither http/ nor db/: a file can be checked without a
 * connection. Module-internal; import_internal.h adds what needs the database. */
#ifndef GZ_MODULES_PEOPLE_IMPORT_ROWS_H
#define GZ_MODULES_PEOPLE_IMPORT_ROWS_H

#include "core/crypto.h"
#include "core/err.h"
#include "core/table.h"
#include "domain/space_code.h"
#include "modules/people/person.h"
#include "modules/people/resident.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NO_COL UINT32_MAX

typedef struct {
	uint32_t row;    /* sheet row, 0 = none */
	uint32_t col;    /* offset of the column name in pool, or NO_COL */
	uint32_t reason; /* offset in pool */
	uint32_t seq;    /* order of discovery within a row */
} problem;

/* A list of problems; kept up to `keep` entries (the earliest rows first, since rows are
 * read in order), counted exactly. */
typedef struct {
	problem *v;
	size_t n, cap, keep;
	char *pool;
	size_t plen, pcap;
	size_t count;
} problems;

typedef struct {
	const char *name;       /* canonical header, as the report names a missing column */
	const char *aliases[6]; /* other headers accepted */
} coldef;

enum {
	RC_NAME,
	RC_GENDER,
	RC_BIRTH,
	RC_PHONE,
	RC_ID,
	RC_GRID,
	RC_BUILDING,
	RC_ROOM,
	RC_ADDRESS,
	RC_RELATION,
	RC_TAGS,
	RC__COUNT
};

enum { UC_GRID, UC_BUILDING, UC_ROOM, UC_AREA, UC_SOLD, UC_OWNER, UC_OWNER_ID, UC__COUNT };

#define MAX_COLS 4096

typedef struct {
	size_t ncols;
	char **names;   /* header cells as written (trimmed), NUL-terminated */
	int col[16];    /* canonical column -> index, -1 when absent */
	size_t row;     /* the header's sheet row */
	int title_rows; /* rows above the header that were skipped (titles) */
} header_t;

/* The cell of canonical column c in row (trimmed of ASCII spaces), or an empty view. */
typedef struct {
	const char *p;
	size_t n;
	gz_cell_kind kind;
} cellv;

/* The grids a caller may import into: an open-addressing set of code keys. */
typedef struct {
	int64_t *keys; /* 0 = empty */
	char (*codes)[SPACE_CODE_SIZE];
	int32_t *idx;
	size_t cap, n;
} gridset;

/* The tag catalogue: built-in tags and those configured in resident_tag_defs, each
 * with the key resident_tags stores (the code, or the blind index of a sensitive tag). */
typedef struct {
	char code[40], label[100];
	bool sensitive;
	char key[2 + 2 * GZ_CRYPTO_LOOKUP_BYTES + 1];
} tagdef;

typedef struct {
	tagdef *v;
	size_t n;
} tagcat;

/* Keyed hashes of the imported rows' ID numbers (and phones) with the resident they
 * belong to and the row they came from. Collected while the rows go in, then sorted and
 * written to resident_id_keys / resident_phone_keys in hash order — neighbouring keys
 * land on neighbouring B-tree pages, where a million keys in file order would each cost
 * a descent to a random page. Sorting also brings duplicate ID numbers of the file next
 * to each other. */
typedef struct {
	uint8_t h[GZ_CRYPTO_LOOKUP_BYTES];
	int64_t resident; /* 0 in look-up mode */
	uint32_t row;
} hkey;

typedef struct {
	hkey *v;
	size_t n, cap;
} hkeys;

#define BATCH_ROWS 4096
#define QUEUE_LEN  16

typedef struct {
	uint32_t row;
	int32_t grid;      /* index in the grid set, or -1 (from the building) */
	uint32_t name_off; /* pool offsets of NUL-terminated text */
	uint32_t bld_off, room_off, addr_off, tags_off, keys_off;
	uint32_t sens_off; /* sealed sensitive tags in pool, sens_len bytes */
	uint16_t sens_len;
	uint8_t nkeys;     /* NUL-separated tag keys at keys_off */
	uint8_t gender;    /* 0 unknown, 1 男, 2 女 */
	uint8_t relation;  /* person_relation, 0 = none */
	uint8_t phone_len; /* sealed bytes, 0 = none */
	uint8_t has_id, has_birth;
	uint8_t phone_enc[GZ_CRYPTO_SEALED_LEN(PERSON_PHONE_MAX)];
	uint8_t phone_hash[GZ_CRYPTO_LOOKUP_BYTES];
	uint8_t id_enc[GZ_CRYPTO_SEALED_LEN(18)];
	uint8_t id_hash[GZ_CRYPTO_LOOKUP_BYTES];
	uint8_t birth_enc[GZ_CRYPTO_SEALED_LEN(RESIDENT_DATE_SIZE - 1)];
} res_row;

typedef struct {
	res_row rows[BATCH_ROWS];
	size_t n;
	char *pool;
	size_t plen, pcap;
} batch;

typedef struct res_imp {
	/* read-only after setup */
	const gz_crypto *crypto;
	gridset grids;
	tagcat tags;
	header_t h;
	gz_table *t;
	bool have_grid_col, have_unit_cols;
	int64_t now;

	/* the queue between the threads */
	pthread_mutex_t mu;
	pthread_cond_t can_put, can_get;
	batch *q[QUEUE_LEN];
	size_t qhead, qlen;
	batch *free_list[QUEUE_LEN + 2];
	size_t nfree;
	bool eof;

	atomic_size_t problem_count; /* both threads' problems so far */
	atomic_bool stop;            /* the consumer failed: the producer stops */

	/* producer only */
	problems pp;
	size_t rows;
	/* With ids handed out in order (SQLite), the producer knows each row's id and
	 * collects and sorts the lookup keys itself, off the consumer's path; next_id is
	 * then the consumer's first id (0: the consumer collects them). */
	int64_t next_id;
	bool keys_sorted;
	hkeys ids, phones;
	res_row *sort_buf; /* BATCH_ROWS rows, for ordering a batch by grid */
	bool file_error;
} res_imp;

void people_problem_add(problems *p, size_t row, const char *col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

void people_problems_free(problems *p);

extern const coldef people_resident_cols[RC__COUNT];

extern const coldef people_unit_cols[UC__COUNT];

void people_header_free(header_t *h);

/* Reads the header row into h: the first non-blank row naming at least one known
 * column, among the first HEADER_SEARCH non-blank rows — registers often carry a title
 * row ("XX社区居民登记表") above the header; rows above the header are skipped. With
 * none found, the first non-blank row is the header (its missing columns are then
 * reported). Problems (duplicate columns) go to p. Returns 1 when a header was read, 0
 * at end of file (no rows at all), -1 with err on a file error. */
int people_header_read(gz_table *t, const coldef *defs, int ndefs, header_t *h, problems *p,
                       gz_err *err);

void people_missing_col(problems *p, const header_t *h, const coldef *defs, int c, const char *why);

cellv people_cell_of(const header_t *h, const gz_row *row, int c);

/* Does the row fit the header? The readers judge against the first row they returned;
 * when that was a title above the header, judge against the header: no non-empty cell
 * right of the header's last column. (A CSV row may then be shorter: its missing cells
 * are empty.) */
bool people_row_fits(const header_t *h, const gz_row *row);

/* The cell as a C string in out (cut to cap - 1 bytes). */
void people_cstr(char *out, size_t cap, cellv c);

const char *people_colname(const header_t *h, const coldef *defs, int c);

/* A whole-file problem from the reader: err has "row" / "column" fields (1-based) when
 * it knows the place, and a message starting with that place. */
void people_file_problem(problems *p, const header_t *h, const gz_err *err);

gz_table *people_table_open(const char *buf, size_t len, bool *xlsx, gz_err *err);

void people_gridset_put(gridset *g, const char *code);

/* Index of a 15-digit grid code s[0..n) in the set, or -1. */
int people_gridset_find(const gridset *g, const char *s, size_t n);

void people_gridset_free(gridset *g);

void people_tagcat_add(tagcat *t, const gz_crypto *c, const char *code, const char *label,
                       bool sensitive);

const tagdef *people_tagcat_find(const tagcat *t, const char *s, size_t n);

void people_hkeys_add(hkeys *k, const uint8_t *h, int64_t resident, uint32_t row);

/* Sorts by (hash, row): a bucket pass on the first two bytes (keyed hashes are
 * uniform, so buckets are small), then each bucket on its own. */
void people_hkeys_sort(hkeys *k);

void people_hkeys_free(hkeys *k);

extern const char *const people_gender_text[];

void people_batch_put_free(res_imp *m, batch *b);

/* Consumer side: the next batch, or NULL at the end. */
batch *people_queue_get(res_imp *m);

void *people_import_producer(void *arg);

#endif
