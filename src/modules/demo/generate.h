/* Synthetic data for demos and benchmarks: a realistic street in Beijing's 朝阳区 (county
 * 110105) with communities, grids that tile them, buildings, units, households, residents
 * with plausible Chinese names, valid ID numbers and tags, and — for the demo — the
 * organisation network (Party organisations down to building groups, co-building units
 * with agreements, Party members with 双报到) and one account per role.
 *
 * Pure and deterministic: no I/O, no clock (the caller passes the reference date), no
 * global state. The same configuration (seed included) gives byte-for-byte the same data;
 * another seed gives other data. gongzhi demo / gongzhi gen (src/cli/demo.c) load what
 * this module generates through the same import and insert functions the API uses.
 *
 * Layout. The district is a lattice of cells, each cell one grid (≈310 m × 270 m). Cell
 * corners are lattice nodes whose positions carry a small deterministic jitter (so grids
 * are "rectangle-ish"), computed from integer node indices in 1e-7 degrees: neighbouring
 * grids share their edges with exactly equal coordinates, so the grids of a community
 * tile it without overlaps or gaps, and the communities tile their street. Street number
 * k occupies the block of DEMO_PITCH_W × DEMO_PITCH_H cells at column (k-1) % 8, row
 * (k-1) / 8 of the district; its communities are blocks of 2–3 × 2 cells.
 *
 * Memory: demo_street_build() returns one malloc'd street; demo_street_free() frees it and
 * everything it points to. demo_people holds what must stay unique across streets (ID
 * numbers, phone numbers); one per generation run. */
#ifndef GZ_DOMAIN_DEMO_H
#define GZ_DOMAIN_DEMO_H

#include "core/err.h"
#include "modules/org/rules.h"
#include "modules/people/person.h"
#include "domain/policy.h"
#include "domain/space_code.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---------------------------------------------------------------- random numbers */

/* xoshiro256** seeded through splitmix64. Streams: the same seed with different stream
 * numbers gives independent sequences, so one part of the data (say the org network)
 * does not change when another part (say the residents) draws more numbers. */
typedef struct demo_rng {
	uint64_t s[4];
} demo_rng;

void demo_rng_init(demo_rng *r, uint64_t seed, uint64_t stream);
uint64_t demo_rng_next(demo_rng *r);
/* Uniform in 0..n-1 (n >= 1; n == 0 answers 0). Unbiased (rejection). */
uint32_t demo_rng_below(demo_rng *r, uint32_t n);
/* Uniform in lo..hi inclusive (lo <= hi). */
int demo_rng_range(demo_rng *r, int lo, int hi);
/* True with probability per_10000 / 10000. */
bool demo_rng_chance(demo_rng *r, uint32_t per_10000);

/* ---------------------------------------------------------------- configuration */

/* Street block pitch in cells: where street k sits in the district lattice. */
#define DEMO_PITCH_W 8
#define DEMO_PITCH_H 6
/* The county all generated codes lie in (北京市朝阳区). */
#define DEMO_COUNTY      "110105"
#define DEMO_COUNTY_NAME "朝阳区"
#define DEMO_CITY_NAME   "北京市"

typedef struct demo_config {
	uint64_t seed;
	person_date today;     /* reference date: ages, birth dates (never later), agreement dates.
	                          gongzhi demo uses 1 January of the current year (Asia/Shanghai),
	                          so the data stays the same through a year. */
	int street_no;         /* 1..999: street code DEMO_COUNTY + %03d */
	int w, h;              /* cells of the street block: 2..DEMO_PITCH_W × 2..DEMO_PITCH_H */
	int32_t residents;     /* residents to house: exactly this many unless the street runs
	                          out of units and grow is false */
	int32_t min_units;     /* buildings are added until the street has this many units */
	int32_t min_buildings; /* ... and this many buildings (at most 16 per grid) */
	bool grow;             /* add buildings until every resident has a home */
	bool network;          /* also build the organisation network and the accounts */
} demo_config;

/* The demo street (gongzhi demo): 5 × 4 cells → 4 communities, 20 grids; ≥ 64 buildings,
 * ≥ 3,300 units, 8,600 residents, the network and the accounts. */
void demo_config_demo(demo_config *c, uint64_t seed, person_date today);
/* A district-scale street (gongzhi gen): 8 × 6 cells → 9–12 communities, 48 grids,
 * ~20,000 residents; smaller (down to 2 × 2 cells) when fewer residents are left to
 * house. Houses up to `residents` (no growth: the caller moves on to the next street). */
void demo_config_gen(demo_config *c, uint64_t seed, person_date today, int street_no,
                     int32_t residents);

/* ---------------------------------------------------------------- people */

typedef enum {
	DEMO_TAG_LIVING_ALONE = 0, /* 独居老人 living_alone: lives alone, 60+ */
	DEMO_TAG_EMPTY_NESTER,     /* 空巢老人 empty_nester: an elderly couple living alone */
	DEMO_TAG_ELDERLY_80,       /* 高龄 elderly_80: 80+ */
	DEMO_TAG_DISABLED,         /* 残疾 disabled (sensitive) ~3% */
	DEMO_TAG_DIBAO,            /* 低保 dibao (sensitive) ~2%, whole households */
	DEMO_TAG_LEFT_BEHIND,      /* 留守儿童 left_behind_child (sensitive) */
	DEMO_TAG_PREGNANT,         /* 孕产妇 pregnant (sensitive) */
	DEMO_TAG_UNEMPLOYED,       /* 失业 unemployed */
	DEMO_TAG_ENTITLED,         /* 优抚对象 entitled_group */
	DEMO_TAG_VETERAN,          /* 退役军人 veteran */
	DEMO_TAG__COUNT
} demo_tag;

/* The person_tag code of t (see person_tags()), "" if out of range. */
const char *demo_tag_code(demo_tag t);
/* The Chinese label of t, as an import file writes it. */
const char *demo_tag_label(demo_tag t);

/* Bytes of the longest generated name with NUL (4 CJK characters). */
#define DEMO_NAME_MAX 16

typedef struct demo_person {
	char name[DEMO_NAME_MAX];
	char id_number[19]; /* 18 characters, valid (person_id_check) */
	char phone[12];     /* normalised mobile, "" when none (children, some of the oldest) */
	person_date birth;  /* = the ID number's birth date */
	uint8_t male;       /* = the ID number's gender digit */
	uint8_t relation;   /* person_relation to the household head; 0 for owners elsewhere */
	uint16_t tags;      /* bit (1 << demo_tag) */
	int32_t unit;       /* the unit they live in; -1 for owners living elsewhere */
} demo_person;

/* What stays unique across the streets of one run: ID numbers and mobile numbers. */
typedef struct demo_people demo_people;
demo_people *demo_people_new(uint64_t seed);
void demo_people_free(demo_people *p);
/* ID numbers handed out so far (residents and owners living elsewhere). */
size_t demo_people_count(const demo_people *p);

/* ---------------------------------------------------------------- the street */

typedef enum {
	DEMO_WALKUP = 0, /* 1980s–90s 多层: 5–6 floors, 2–4 entrances, 2 flats per floor */
	DEMO_MIDRISE,    /* 2000s 小高层: 9–14 floors, 2 entrances, 2 flats per floor */
	DEMO_HIGHRISE,   /* 2010s 高层: 18–28 floors, 1–2 entrances, 4 flats per floor */
} demo_building_kind;

typedef struct demo_community {
	char code[SPACE_CODE_SIZE];
	char name[64];       /* 「朝阳里社区」 */
	char short_name[48]; /* 「朝阳里」 */
	int cx0, cy0, w, h;  /* block of cells in the district lattice */
	int32_t first_grid, ngrids;
} demo_community;

typedef struct demo_grid {
	char code[SPACE_CODE_SIZE];
	char name[96];     /* 「朝阳里社区第一网格」 */
	char compound[48]; /* the residential compound it covers: 「和平里小区」 */
	int32_t community;
	int cx, cy; /* its cell; corners are nodes (cx, cy) .. (cx + 1, cy + 1) */
	demo_building_kind kind;
	uint16_t slots_used; /* building positions taken, bit per slot of a 4 × 4 layout */
	int32_t first_building, nbuildings;
} demo_grid;

typedef struct demo_building {
	int32_t grid;
	int number;             /* N of 「N号楼」, 1.. within the grid */
	char name[24];          /* 「3号楼」, unique within its grid */
	char address[192];      /* 「北京市朝阳区东湖街道和平里小区3号楼」 */
	int64_t lng_e7, lat_e7; /* strictly inside its grid */
	demo_building_kind kind;
	int floors, entrances, per_floor;
	int32_t first_unit, nunits;
} demo_building;

typedef struct demo_unit {
	int32_t building;
	char number[24];  /* 房号 「3-2-501」: building-entrance-floor+flat */
	int32_t area_dm2; /* 4500..16000 (45.00–160.00 m²); stacked flats share it */
	uint8_t sold;     /* 0: unsold, held by the developer (~3%) */
	int32_t first_resident, nresidents; /* the household living here (0 residents: empty) */
	int32_t owner_resident;             /* owner living here (index in residents), or -1 */
	int32_t co_owner;                   /* a co-owner living here (the spouse), or -1 */
	int32_t owner_other;                /* owner living elsewhere (index in owners), or -1 */
} demo_unit;

/* ---------------------------------------------------------------- the network */

typedef struct demo_org {
	org_type type;
	char name[160];
	char space[SPACE_CODE_SIZE];
	int32_t building; /* 楼栋党小组: its building, else -1 */
	int32_t parent;   /* index of the parent organisation, else -1 */
	char credit[19];  /* 统一社会信用代码 (GB 32100 check character), "" when none */
} demo_org;

typedef struct demo_member {
	int32_t org;
	int32_t resident;         /* a registered resident (index), or -1: an outside person */
	char name[DEMO_NAME_MAX]; /* outside person */
	char phone[12];           /* outside person, "" when none */
	char position[32];
	bool contact;
} demo_member;

typedef struct demo_commitment {
	const char *item, *unit;
	int64_t quantity;
} demo_commitment;

#define DEMO_COMMITMENTS_MAX 4

typedef struct demo_agreement {
	int32_t unit_org; /* a 共建单位 */
	int32_t community;
	char title[200];
	int64_t start_ms, end_ms;
	org_agreement_status status;
	int ncommitments;
	demo_commitment commitments[DEMO_COMMITMENTS_MAX];
} demo_agreement;

typedef struct demo_party_member {
	int32_t resident; /* every generated Party member is a registered resident */
	int32_t party_org; /* 网格党支部 / 楼栋党小组 where they live, or their unit (在职党员) */
	int32_t employer;  /* their employer's organisation (在职党员), or -1 */
	int32_t community; /* 双报到: the community they reported to, or -1 */
	int32_t grid;      /* the grid they serve in (where they live), or -1 */
	org_post_type post;
	int64_t reported_ms;
} demo_party_member;

/* One account per role (policy_role order). */
#define DEMO_ACCOUNTS ROLE__COUNT

typedef struct demo_account {
	policy_role role;
	char username[32];
	char password[24]; /* deterministic from the seed: for demos only */
	char display_name[64];
	char scope[SPACE_CODE_SIZE];
	int32_t resident; /* their own resident record (roles resident, party member), else -1 */
} demo_account;

typedef struct demo_street {
	char code[SPACE_CODE_SIZE];
	char name[64]; /* 「东湖街道」 */
	int street_no;
	int cx0, cy0, w, h;

	demo_community *communities;
	int32_t ncommunities;
	demo_grid *grids;
	int32_t ngrids;
	demo_building *buildings;
	int32_t nbuildings;
	demo_unit *units;
	int32_t nunits;
	demo_person *residents; /* grouped by household, head first */
	int32_t nresidents;
	int32_t nhouseholds;
	demo_person *owners; /* owners who live elsewhere */
	int32_t nowners;

	/* with config.network */
	demo_org *orgs;
	int32_t norgs;
	demo_member *members;
	int32_t nmembers;
	demo_agreement *agreements;
	int32_t nagreements;
	demo_party_member *party;
	int32_t nparty;
	demo_account accounts[DEMO_ACCOUNTS];
	int naccounts;
} demo_street;

/* Builds street c->street_no. pp keeps ID and phone numbers unique across calls.
 * Returns the street (free with demo_street_free), or NULL with err set (422 invalid
 * config: street_no, size, counts out of range). */
demo_street *demo_street_build(const demo_config *c, demo_people *pp, gz_err *err);
void demo_street_free(demo_street *s);

/* ---------------------------------------------------------------- visits (走访) */

/* A plausible Chinese name of someone born in birth_year (the generator's surname
 * frequencies and given names of that era), drawn from r. */
void demo_make_name(demo_rng *r, int birth_year, char out[DEMO_NAME_MAX]);

/* One generated visit to a resident, or to the household of one (household: the visit is
 * to the whole household; resident is its head). */
typedef struct demo_visit {
	int32_t resident; /* index in s->residents */
	uint8_t household;
	int32_t days_ago; /* 0 = today */
	uint8_t kind;     /* visit_kind (modules/visits/rules.h) */
	uint8_t finding;  /* index of demo_visit_finding() */
	int8_t account;   /* the demo account that went (policy_role), or -1: the grid's worker */
	int32_t grid;     /* the resident's grid (index in s->grids) */
} demo_visit;

/* What a visitor writes: a handful of realistic notes, i in 0..n-1 (wraps). */
const char *demo_visit_finding(int i);

/* The grid worker of grid g (a generated name, the same for a seed and street). */
void demo_grid_worker_name(const demo_street *s, uint64_t seed, int32_t g, char out[DEMO_NAME_MAX]);

/* Visits over the `days` days up to today (days_ago 0..days-1) to every resident whose
 * tags have a visit frequency (the defaults seeded by the visits migration: 独居老人 7
 * days, 高龄 14, 空巢老人 / 低保 / 残疾 30; the most demanding tag decides), about once per
 * interval with a day or two of jitter, mostly 重点关爱 with some 回访; most residents are
 * up to date, about one in ten due and one in eight overdue today, a few never visited.
 * Half of the other households get a 常规走访 (入户) every three to six months.
 * In the demo's first grid the demo grid worker account goes (a few visits by the
 * community staff account); elsewhere the grid's generated worker. In the demo's
 * under-served grid (demo_vacant_grid) nobody has gone for the last DEMO_VACANT_DAYS days
 * but the community staff account, about one visit in five. Deterministic in
 * (seed, street, days). Returns a malloc'd array (*n entries; caller frees). */
demo_visit *demo_visits_build(const demo_street *s, uint64_t seed, int days, size_t *n);

/* The demo's under-served grid (a street with accounts, the demo's; else -1): the first
 * community's last grid, whose worker left DEMO_VACANT_DAYS days ago. Its visits per
 * resident over the last quarter fall below half the street's median, so matching's
 * equity boost (docs/MATCHING.md) lifts its residents' needs in the recent weekly runs. */
#define DEMO_VACANT_DAYS 120
int32_t demo_vacant_grid(const demo_street *s);

/* ---------------------------------------------------------------- geometry */

/* Position of lattice node (gx, gy) in 1e-7 degrees (WGS84 lon/lat), jitter included.
 * Depends on the seed and the node only, so every cell using the node agrees. */
void demo_node_e7(uint64_t seed, int gx, int gy, int64_t *lng_e7, int64_t *lat_e7);

/* The closed ring (counter-clockwise, first = last) around the block of cells
 * [cx0, cx0 + w) × [cy0, cy0 + h), through every lattice node on its boundary — so it
 * is exactly the union of the block's cells. out holds 2 * (w + h) + 1 positions as
 * [lon, lat] degrees. Returns the number of positions. */
int demo_block_ring(uint64_t seed, int cx0, int cy0, int w, int h, double (*out)[2]);

/* The street's grids as a GeoJSON FeatureCollection for gz_space_import(): each
 * Feature has a Polygon and properties code, name, street_name, community_name. New
 * reference. */
json_t *demo_street_geojson(const demo_street *s, uint64_t seed);

/* ---------------------------------------------------------------- small helpers */

/* Chinese numeral for 1..99 (一, 十二, 二十一 ...) into out (at least 16 bytes). */
char *demo_cn_number(int n, char *out, size_t cap);

/* Days since 1970-01-01 of a Gregorian date, and back. */
int64_t demo_days_from_civil(int y, int m, int d);
person_date demo_civil_from_days(int64_t days);

/* Midnight in Asia/Shanghai (UTC+8) of date d, in ms since the epoch. */
int64_t demo_date_ms(person_date d);

/* Age group counts used by tests and the summary: residents 60+ and 80+. */
void demo_street_ages(const demo_street *s, person_date on, int32_t *elderly60, int32_t *elderly80);

#endif
