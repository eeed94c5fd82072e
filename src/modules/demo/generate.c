/* Synthetic street generator (see demo.h). Everything is drawn from demo_rng streams
 * keyed by (seed, street, purpose), walked in a fixed order, so the output is a pure
 * function of the configuration. */
#include "modules/demo/generate.h"

#include "core/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ================================================================ random numbers */

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += UINT64_C(0x9E3779B97F4A7C15));
	z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
	return z ^ (z >> 31);
}

void demo_rng_init(demo_rng *r, uint64_t seed, uint64_t stream)
{
	uint64_t x = seed ^ (stream * UINT64_C(0xD1B54A32D192ED03));
	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&x);
}

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

uint64_t demo_rng_next(demo_rng *r)
{
	uint64_t *s = r->s;
	uint64_t out = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return out;
}

uint32_t demo_rng_below(demo_rng *r, uint32_t n)
{
	if (n <= 1)
		return 0;
	uint64_t limit = UINT64_MAX - UINT64_MAX % n;
	uint64_t v;
	do
		v = demo_rng_next(r);
	while (v >= limit);
	return (uint32_t)(v % n);
}

int demo_rng_range(demo_rng *r, int lo, int hi)
{
	return hi <= lo ? lo : lo + (int)demo_rng_below(r, (uint32_t)(hi - lo + 1));
}

bool demo_rng_chance(demo_rng *r, uint32_t per_10000)
{
	return demo_rng_below(r, 10000) < per_10000;
}

/* Index into a table of weights (sum > 0). */
static int pick_weighted(demo_rng *r, const int *w, int n)
{
	int sum = 0;
	for (int i = 0; i < n; i++)
		sum += w[i];
	int x = (int)demo_rng_below(r, (uint32_t)sum);
	for (int i = 0; i < n; i++) {
		if (x < w[i])
			return i;
		x -= w[i];
	}
	return n - 1;
}

static void shuffle_i32(demo_rng *r, int32_t *v, size_t n)
{
	for (size_t i = n; i > 1; i--) {
		size_t j = demo_rng_below(r, (uint32_t)i);
		int32_t t = v[i - 1];
		v[i - 1] = v[j];
		v[j] = t;
	}
}

/* A permutation of 0..n-1 as x -> (a x + b) mod n, a coprime with n: lets names be
 * drawn without repetition from a large product of lists, without storing it. */
typedef struct {
	uint32_t a, b, n;
} affine_perm;

static uint32_t gcd_u32(uint32_t a, uint32_t b)
{
	while (b) {
		uint32_t t = a % b;
		a = b;
		b = t;
	}
	return a;
}

static affine_perm perm_new(demo_rng *r, uint32_t n)
{
	static const uint32_t primes[] = {7,  11, 13, 17, 19, 23, 29, 31, 37,
	                                  41, 43, 47, 53, 59, 61, 67, 71, 73};
	const uint32_t np = sizeof primes / sizeof primes[0];
	affine_perm p = {1, 0, n ? n : 1};
	uint32_t start = demo_rng_below(r, np);
	for (uint32_t k = 0; k < np; k++) {
		uint32_t a = primes[(start + k) % np] % p.n;
		if (a > 1 && gcd_u32(a, p.n) == 1) {
			p.a = a;
			break;
		}
	}
	p.b = demo_rng_below(r, p.n);
	return p;
}

static uint32_t perm_at(const affine_perm *p, uint32_t i)
{
	return (uint32_t)(((uint64_t)p->a * (i % p->n) + p->b) % p->n);
}

/* Streams per street and purpose. */
enum { ST_LAYOUT = 1, ST_PEOPLE, ST_NETWORK, ST_ACCOUNTS, ST_NAMES, ST_PHONES };

static void street_rng(demo_rng *r, uint64_t seed, int street_no, int purpose)
{
	demo_rng_init(r, seed, (uint64_t)street_no * 64 + (uint64_t)purpose);
}

/* ================================================================ dates, numbers */

int64_t demo_days_from_civil(int y, int m, int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

person_date demo_civil_from_days(int64_t z)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t y = yoe + era * 400;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	int d = (int)(doy - (153 * mp + 2) / 5 + 1);
	int m = (int)(mp < 10 ? mp + 3 : mp - 9);
	return (person_date){(int)(y + (m <= 2)), m, d};
}

int64_t demo_date_ms(person_date d)
{
	return demo_days_from_civil(d.year, d.month, d.day) * 86400000LL - 8LL * 3600 * 1000;
}

char *demo_cn_number(int n, char *out, size_t cap)
{
	static const char *const digit[] = {"零", "一", "二", "三", "四",
	                                    "五", "六", "七", "八", "九"};
	if (n < 1 || n > 99) {
		snprintf(out, cap, "%d", n);
		return out;
	}
	int tens = n / 10, ones = n % 10;
	snprintf(out, cap, "%s%s%s", tens > 1 ? digit[tens] : "", tens ? "十" : "",
	         ones ? digit[ones] : "");
	return out;
}

/* ================================================================ names */

typedef struct {
	const char *s;
	int w; /* per 10,000 of the population, roughly (2020 census order) */
} weighted_str;

static const weighted_str surnames[] = {
    {"王", 719}, {"李", 718}, {"张", 686}, {"刘", 542}, {"陈", 453}, {"杨", 315}, {"赵", 222},
    {"黄", 220}, {"周", 212}, {"吴", 205}, {"徐", 167}, {"孙", 154}, {"胡", 131}, {"朱", 126},
    {"高", 121}, {"林", 118}, {"何", 117}, {"郭", 115}, {"马", 105}, {"罗", 86},  {"梁", 85},
    {"宋", 81},  {"郑", 78},  {"谢", 72},  {"韩", 68},  {"唐", 66},  {"冯", 66},  {"于", 62},
    {"董", 61},  {"肖", 59},  {"程", 58},  {"曹", 58},  {"袁", 55},  {"邓", 55},  {"许", 54},
    {"傅", 51},  {"沈", 51},  {"曾", 50},  {"彭", 50},  {"吕", 47},  {"苏", 46},  {"卢", 46},
    {"蒋", 46},  {"蔡", 45},  {"贾", 42},  {"丁", 41},  {"魏", 40},  {"薛", 39},  {"叶", 39},
    {"闫", 38},  {"余", 38},  {"潘", 38},  {"杜", 37},  {"戴", 35},  {"夏", 34},  {"钟", 34},
    {"汪", 33},  {"田", 33},  {"任", 33},  {"姜", 32},  {"范", 31},  {"方", 30},  {"石", 29},
    {"姚", 28},  {"谭", 28},  {"廖", 27},  {"邹", 26},  {"熊", 25},  {"金", 25},  {"陆", 24},
    {"郝", 24},  {"孔", 23},  {"白", 23},  {"崔", 23},  {"康", 22},  {"毛", 22},  {"邱", 22},
    {"秦", 22},  {"江", 21},  {"史", 21},  {"顾", 21},  {"侯", 20},  {"邵", 20},  {"孟", 19},
    {"龙", 19},  {"万", 19},  {"段", 18},  {"钱", 18},  {"汤", 17},  {"尹", 17},  {"黎", 16},
    {"易", 16},  {"常", 16},  {"武", 16},  {"乔", 16},  {"贺", 15},  {"赖", 15},  {"龚", 15},
    {"文", 14},  {"欧阳", 3}, {"司马", 1}, {"上官", 1}, {"诸葛", 1},
};
#define NSURNAMES (int)(sizeof surnames / sizeof surnames[0])

static int surname_total(void)
{
	static int total;
	if (!total) {
		int t = 0;
		for (int i = 0; i < NSURNAMES; i++)
			t += surnames[i].w;
		total = t;
	}
	return total;
}

static const char *pick_surname(demo_rng *r)
{
	int x = (int)demo_rng_below(r, (uint32_t)surname_total());
	for (int i = 0; i < NSURNAMES; i++) {
		if (x < surnames[i].w)
			return surnames[i].s;
		x -= surnames[i].w;
	}
	return surnames[0].s;
}

/* Given names by the era of birth and gender: two-character names from a first- and a
 * second-position list, one-character names from their own list. */
enum { ERA_OLD, ERA_MID, ERA_YOUNG, ERA__COUNT };

typedef struct {
	const char *first[20], *second[20], *single[10];
} given_list;

static const given_list given[ERA__COUNT][2] = {
    [ERA_OLD] = {/* female */ {{"秀", "桂", "玉", "淑", "凤", "丽", "素", "翠", "金", "美",
                                "春", "月", "彩", "兰", "秋", "桂", "玉", "秀", "淑", "凤"},
                               {"英", "兰", "珍", "芳", "华", "荣", "琴", "霞", "梅", "云",
                                "莲", "芬", "娥", "香", "菊", "萍", "清", "英", "兰", "珍"},
                               {"芳", "英", "兰", "敏", "静", "红", "霞", "萍", "珍", "梅"}},
                 /* male */ {{"建", "国", "志", "永", "德", "文", "海", "庆", "振", "宝",
                              "长", "金", "春", "立", "树", "连", "福", "学", "洪", "兆"},
                             {"国", "华", "军", "民", "明", "强", "平", "林", "生", "成",
                              "山", "忠", "东", "祥", "兴", "贵", "发", "刚", "全", "斌"},
                             {"军", "强", "伟", "刚", "勇", "斌", "华", "明", "杰", "林"}}},
    [ERA_MID] = {/* female */ {{"晓", "丽", "静", "春", "红", "海", "雪", "秋", "美", "玉",
                                "素", "小", "艳", "慧", "晶", "文", "燕", "亚", "丽", "晓"},
                               {"丽", "娟", "燕", "敏", "静", "艳", "霞", "芳", "红", "梅",
                                "玲", "萍", "华", "婷", "琳", "慧", "颖", "洁", "莉", "蕾"},
                               {"丽", "娟", "燕", "敏", "静", "艳", "婷", "琳", "颖", "洁"}},
                 /* male */ {{"志", "海", "俊", "晓", "伟", "建", "文", "永", "德", "立",
                              "少", "鹏", "家", "宏", "国", "成", "振", "学", "明", "东"},
                             {"伟", "强", "军", "磊", "勇", "涛", "斌", "峰", "杰", "鹏",
                              "辉", "刚", "明", "超", "亮", "飞", "波", "龙", "宁", "平"},
                             {"伟", "磊", "勇", "涛", "斌", "峰", "杰", "鹏", "辉", "超"}}},
    [ERA_YOUNG] = {/* female */ {{"欣", "梓", "雨", "诗", "思", "佳", "可", "语", "一", "紫",
                                  "若", "艺", "依", "子", "梦", "静", "安", "雅", "心", "芷"},
                                 {"怡", "涵", "萱", "彤", "琪", "妍", "悦", "馨", "琳", "瑶",
                                  "然", "诺", "菲", "雯", "婷", "宁", "晴", "桐", "琦", "珊"},
                                 {"萱", "琪", "悦", "彤", "瑶", "涵", "妍", "琳", "诺", "雯"}},
                   /* male */ {{"子", "浩", "宇", "梓", "一", "俊", "泽", "博", "思", "嘉",
                                "明", "天", "睿", "家", "文", "奕", "沐", "皓", "承", "景"},
                               {"轩", "宇", "涵", "然", "辰", "睿", "泽", "博", "航", "杰",
                                "豪", "铭", "哲", "晨", "阳", "恒", "霖", "川", "诚", "尧"},
                               {"浩", "宇", "睿", "哲", "轩", "博", "阳", "晨", "航", "豪"}}},
};

static int era_of(int birth_year)
{
	return birth_year < 1965 ? ERA_OLD : birth_year < 1995 ? ERA_MID : ERA_YOUNG;
}

/* surname + a given name of 1 (20%) or 2 characters that fits the era and gender. */
static void make_name(demo_rng *r, const char *surname, bool male, int birth_year,
                      char out[DEMO_NAME_MAX])
{
	const given_list *g = &given[era_of(birth_year)][male ? 1 : 0];
	if (demo_rng_chance(r, 2000)) {
		snprintf(out, DEMO_NAME_MAX, "%s%s", surname, g->single[demo_rng_below(r, 10)]);
		return;
	}
	const char *a = g->first[demo_rng_below(r, 20)], *b;
	do
		b = g->second[demo_rng_below(r, 20)];
	while (!strcmp(a, b));
	snprintf(out, DEMO_NAME_MAX, "%s%s%s", surname, a, b);
}

void demo_make_name(demo_rng *r, int birth_year, char out[DEMO_NAME_MAX])
{
	const char *surname = pick_surname(r);
	make_name(r, surname, demo_rng_chance(r, 5000), birth_year, out);
}

/* ================================================================ tags */

static const char *const tag_codes[DEMO_TAG__COUNT] = {
    "living_alone",      "empty_nester", "elderly_80", "disabled",       "dibao",
    "left_behind_child", "pregnant",     "unemployed", "entitled_group", "veteran",
};
static const char *const tag_labels[DEMO_TAG__COUNT] = {
    "独居老人", "空巢老人", "高龄", "残疾",     "低保",
    "留守儿童", "孕产妇",   "失业", "优抚对象", "退役军人",
};

const char *demo_tag_code(demo_tag t)
{
	return (unsigned)t < DEMO_TAG__COUNT ? tag_codes[t] : "";
}

const char *demo_tag_label(demo_tag t)
{
	return (unsigned)t < DEMO_TAG__COUNT ? tag_labels[t] : "";
}

/* ================================================================ people state */

struct demo_people {
	uint64_t seed;
	uint64_t *ids; /* open addressing; value = first 17 digits + 1, 0 = empty */
	size_t cap, n;
	uint64_t phones;  /* mobile numbers handed out */
	uint32_t phone_a; /* suffix = (phone_a * k + phone_b) mod 1e8, bijective in k */
	uint32_t phone_b;
};

demo_people *demo_people_new(uint64_t seed)
{
	demo_people *p = gz_calloc(1, sizeof *p);
	p->seed = seed;
	demo_rng r;
	demo_rng_init(&r, seed, ST_PHONES);
	/* a must be coprime with 10^8 = 2^8 5^8: odd and not a multiple of 5. */
	do
		p->phone_a = 10000001u + 2u * demo_rng_below(&r, 40000000u);
	while (p->phone_a % 5 == 0);
	p->phone_b = demo_rng_below(&r, 100000000u);
	return p;
}

void demo_people_free(demo_people *p)
{
	if (!p)
		return;
	free(p->ids);
	free(p);
}

size_t demo_people_count(const demo_people *p)
{
	return p->n;
}

static uint64_t mix64(uint64_t x)
{
	x ^= x >> 33;
	x *= UINT64_C(0xff51afd7ed558ccd);
	x ^= x >> 33;
	x *= UINT64_C(0xc4ceb9fe1a85ec53);
	return x ^ (x >> 33);
}

/* Records v (first 17 digits as a number); false if it was already taken. */
static bool ids_add(demo_people *p, uint64_t v)
{
	v += 1;
	if ((p->n + 1) * 10 > p->cap * 7) {
		size_t cap = p->cap ? p->cap * 2 : 4096;
		uint64_t *ids = gz_calloc(cap, sizeof *ids);
		for (size_t i = 0; i < p->cap; i++)
			if (p->ids[i]) {
				size_t k = mix64(p->ids[i]) & (cap - 1);
				while (ids[k])
					k = (k + 1) & (cap - 1);
				ids[k] = p->ids[i];
			}
		free(p->ids);
		p->ids = ids;
		p->cap = cap;
	}
	size_t k = mix64(v) & (p->cap - 1);
	while (p->ids[k]) {
		if (p->ids[k] == v)
			return false;
		k = (k + 1) & (p->cap - 1);
	}
	p->ids[k] = v;
	p->n++;
	return true;
}

/* Region codes of birthplaces (the first six digits of an ID number): mostly 朝阳区 and
 * the rest of Beijing, then the provinces people move to Beijing from. */
static const weighted_str regions[] = {
    {"110105", 450}, {"110101", 30}, {"110102", 30}, {"110106", 30}, {"110108", 40}, {"110107", 15},
    {"110111", 10},  {"110112", 20}, {"110114", 10}, {"110115", 10}, {"130102", 25}, {"130602", 20},
    {"131002", 15},  {"130202", 15}, {"120101", 20}, {"140105", 12}, {"150102", 10}, {"210102", 15},
    {"220102", 10},  {"230103", 15}, {"320102", 12}, {"330106", 10}, {"340104", 12}, {"350102", 8},
    {"360102", 8},   {"370102", 15}, {"370202", 10}, {"372901", 10}, {"410105", 20}, {"411302", 12},
    {"420106", 15},  {"430102", 12}, {"440106", 8},  {"450103", 5},  {"500103", 8},  {"510107", 12},
    {"520102", 5},   {"530102", 5},  {"610113", 12}, {"620102", 6},  {"341202", 10},
};
#define NREGIONS (int)(sizeof regions / sizeof regions[0])

static void make_id(demo_people *p, demo_rng *r, person_date b, bool male, char out[19])
{
	int w[NREGIONS];
	for (int i = 0; i < NREGIONS; i++)
		w[i] = regions[i].w;
	for (;;) {
		const char *region = regions[pick_weighted(r, w, NREGIONS)].s;
		int seq = (int)demo_rng_below(r, 100) * 10 + (int)demo_rng_below(r, 5) * 2 +
		          (male ? 1 : 0);
		char first17[18];
		snprintf(first17, sizeof first17, "%s%04d%02d%02d%03d", region, b.year, b.month,
		         b.day, seq);
		uint64_t v = strtoull(first17, NULL, 10);
		if (!ids_add(p, v))
			continue;
		memcpy(out, first17, 17);
		out[17] = person_id_check_char(first17);
		out[18] = '\0';
		return;
	}
}

/* Mobile prefixes of the three operators. */
static const char *const phone_prefixes[] = {
    "130", "131", "132", "133", "134", "135", "136", "137", "138", "139", "150", "151",
    "152", "153", "155", "156", "157", "158", "159", "166", "176", "177", "178", "180",
    "181", "182", "183", "184", "185", "186", "187", "188", "189", "191", "198", "199",
};
#define NPREFIXES (sizeof phone_prefixes / sizeof phone_prefixes[0])

/* The k-th mobile number of the run. The last eight digits are a bijection of k (for
 * k < 10^8): a few Feistel rounds over two 4-digit halves, so distinct k give distinct
 * numbers whatever the prefix, and consecutive k do not look consecutive. */
static void make_phone(demo_people *p, char out[12])
{
	uint64_t k = p->phones++;
	uint64_t x = ((uint64_t)p->phone_a * (k % 100000000u) + p->phone_b) % 100000000u;
	uint64_t l = x / 10000, rr = x % 10000;
	for (uint64_t round = 0; round < 4; round++) {
		uint64_t f = mix64(rr ^ (p->seed + round * UINT64_C(0x9E3779B97F4A7C15))) % 10000;
		uint64_t t = (l + f) % 10000;
		l = rr;
		rr = t;
	}
	const char *pre = phone_prefixes[mix64(k ^ p->seed) % NPREFIXES];
	snprintf(out, 12, "%s%04llu%04llu", pre, (unsigned long long)l, (unsigned long long)rr);
}

/* A birth date at which someone is exactly `age` on `today`. */
static person_date birth_for_age(demo_rng *r, person_date today, int age)
{
	int y = today.year - age, d = today.day;
	if (!person_date_valid(y, today.month, d))
		d = 28; /* 29 February of a common year */
	int64_t anniv = demo_days_from_civil(y, today.month, d);
	return demo_civil_from_days(anniv - demo_rng_below(r, 365));
}

/* ================================================================ layout names */

static const char *const street_names[] = {
    "东湖",   "光华",   "安华",   "和平",     "团结湖", "望京",   "金台",   "朝外",     "呼家楼",
    "三里屯", "左家庄", "小关",   "酒仙桥",   "将台",   "太阳宫", "双井",   "劲松",     "潘家园",
    "垡头",   "南磨房", "高碑店", "八里庄",   "六里屯", "麦子店", "亚运村", "奥运村",   "大屯",
    "安贞",   "常营",   "管庄",   "十八里店", "王四营", "东坝",   "孙河",   "崔各庄",   "来广营",
    "平房",   "黑庄户", "豆各庄", "三间房",   "金盏",   "东风",   "香河园", "首都机场",
};
#define NSTREETNAMES (sizeof street_names / sizeof street_names[0])

static const char *const community_prefixes[] = {
    "朝阳", "和平", "光华", "团结", "幸福", "金台", "星河", "芳草", "安华", "望京", "花园", "西坝",
    "北苑", "南湖", "东风", "红庙", "新源", "柳芳", "左家", "惠新", "樱花", "华严", "丽都", "南磨",
    "松榆", "华威", "劲松", "潘家", "武圣", "弘善", "百子", "八里", "延静", "甜水", "关东", "秀水",
    "永安", "建外", "光辉", "祁家", "东恒", "安慧", "慧忠", "大屯", "北辰", "嘉铭", "金泉", "太阳",
    "将府", "驼房", "高家", "平乐", "双花", "富力", "珠江", "炫特", "金隅", "万科", "首开", "康城",
};
static const char *const community_suffixes[] = {"里", "东", "西",   "南", "北",
                                                 "苑", "园", "家园", "村", "北里"};
#define NCPRE (sizeof community_prefixes / sizeof community_prefixes[0])
#define NCSUF (sizeof community_suffixes / sizeof community_suffixes[0])

static const char *const compound_prefixes[] = {
    "阳光", "锦绣", "翠微", "芳园", "金色", "紫薇", "碧水", "华阳", "绿洲", "明珠",
    "和谐", "丽景", "春晖", "秀园", "枫林", "银杏", "橡树", "青年", "海棠", "玉兰",
    "康乐", "安居", "泰和", "嘉禾", "富强", "民主", "文明", "友谊", "建国", "红旗",
    "胜利", "东方", "长安", "新华", "光明", "朝晖", "星光", "佳和", "瑞祥", "福海",
};
static const char *const compound_suffixes[] = {"小区", "家园", "花园", "嘉园", "北里",
                                                "南里", "西里", "东里", "新村", "公寓",
                                                "苑",   "雅苑", "名苑"};
#define NPPRE (sizeof compound_prefixes / sizeof compound_prefixes[0])
#define NPSUF (sizeof compound_suffixes / sizeof compound_suffixes[0])

/* Communities per street at most (for a district-wide name index). */
#define MAX_COMMUNITIES_PER_STREET ((DEMO_PITCH_W / 2) * (DEMO_PITCH_H / 2))

/* ================================================================ geometry */

#define LNG0_E7 1164300000LL /* 116.43 E */
#define LAT0_E7 398800000LL  /* 39.88 N */
#define DX_E7   36000LL      /* 0.0036° ≈ 307 m at 39.9° N */
#define DY_E7   24000LL      /* 0.0024° ≈ 267 m */

void demo_node_e7(uint64_t seed, int gx, int gy, int64_t *lng_e7, int64_t *lat_e7)
{
	uint64_t x = seed ^ ((uint64_t)(uint32_t)gx * UINT64_C(0x9E3779B97F4A7C15)) ^
	             ((uint64_t)(uint32_t)gy * UINT64_C(0xC2B2AE3D27D4EB4F));
	uint64_t h1 = splitmix64(&x), h2 = splitmix64(&x);
	/* up to ±10% of a cell: quadrilaterals stay convex */
	int64_t jx = (int64_t)(h1 % 7201) - 3600, jy = (int64_t)(h2 % 4801) - 2400;
	*lng_e7 = LNG0_E7 + (int64_t)gx * DX_E7 + jx;
	*lat_e7 = LAT0_E7 + (int64_t)gy * DY_E7 + jy;
}

static void node_deg(uint64_t seed, int gx, int gy, double out[2])
{
	int64_t x, y;
	demo_node_e7(seed, gx, gy, &x, &y);
	out[0] = (double)x / 1e7;
	out[1] = (double)y / 1e7;
}

int demo_block_ring(uint64_t seed, int cx0, int cy0, int w, int h, double (*out)[2])
{
	int n = 0;
	for (int i = 0; i < w; i++) /* south edge, west to east */
		node_deg(seed, cx0 + i, cy0, out[n++]);
	for (int j = 0; j < h; j++) /* east edge, south to north */
		node_deg(seed, cx0 + w, cy0 + j, out[n++]);
	for (int i = w; i > 0; i--) /* north edge, east to west */
		node_deg(seed, cx0 + i, cy0 + h, out[n++]);
	for (int j = h; j > 0; j--) /* west edge, north to south */
		node_deg(seed, cx0, cy0 + j, out[n++]);
	out[n][0] = out[0][0];
	out[n][1] = out[0][1];
	return n + 1;
}

/* Point at (u, v) in 0..1 of cell (cx, cy): bilinear between its corners, inside the
 * (convex) cell for 0 < u, v < 1. */
static void cell_point_e7(uint64_t seed, int cx, int cy, double u, double v, int64_t *lng,
                          int64_t *lat)
{
	int64_t x00, y00, x10, y10, x11, y11, x01, y01;
	demo_node_e7(seed, cx, cy, &x00, &y00);
	demo_node_e7(seed, cx + 1, cy, &x10, &y10);
	demo_node_e7(seed, cx + 1, cy + 1, &x11, &y11);
	demo_node_e7(seed, cx, cy + 1, &x01, &y01);
	double x = (1 - u) * (1 - v) * (double)x00 + u * (1 - v) * (double)x10 +
	           u * v * (double)x11 + (1 - u) * v * (double)x01;
	double y = (1 - u) * (1 - v) * (double)y00 + u * (1 - v) * (double)y10 +
	           u * v * (double)y11 + (1 - u) * v * (double)y01;
	*lng = (int64_t)(x + 0.5);
	*lat = (int64_t)(y + 0.5);
}

json_t *demo_street_geojson(const demo_street *s, uint64_t seed)
{
	json_t *features = json_array();
	for (int32_t i = 0; i < s->ngrids; i++) {
		const demo_grid *g = &s->grids[i];
		const demo_community *c = &s->communities[g->community];
		double ring[5][2];
		demo_block_ring(seed, g->cx, g->cy, 1, 1, ring);
		json_t *coords = json_array();
		for (int k = 0; k < 5; k++)
			json_array_append_new(coords, json_pack("[f,f]", ring[k][0], ring[k][1]));
		json_array_append_new(
		    features, json_pack("{s:s,s:{s:s,s:s,s:s,s:s},s:{s:s,s:[o]}}", "type",
		                        "Feature", "properties", "code", g->code, "name", g->name,
		                        "street_name", s->name, "community_name", c->name,
		                        "geometry", "type", "Polygon", "coordinates", coords));
	}
	return json_pack("{s:s,s:o}", "type", "FeatureCollection", "features", features);
}

/* ================================================================ street, communities, grids */

/* Splits n (>= 2) into parts of 2 or 3 cells. Returns the number of parts. */
static int partition(demo_rng *r, int n, int *parts)
{
	int k = 0;
	while (n > 0) {
		int p;
		if (n <= 3)
			p = n;
		else if (n == 4)
			p = 2;
		else
			p = demo_rng_chance(r, 5000) ? 2 : 3;
		parts[k++] = p;
		n -= p;
	}
	return k;
}

static void name_from(const affine_perm *p, uint32_t idx, const char *const *pre, size_t npre,
                      const char *const *suf, size_t nsuf, char *out, size_t cap)
{
	uint32_t total = (uint32_t)(npre * nsuf);
	uint32_t v = perm_at(p, idx);
	const char *a = pre[v / nsuf], *b = suf[v % nsuf];
	if (idx < total) {
		snprintf(out, cap, "%s%s", a, b);
	} else {
		char n[16];
		snprintf(out, cap, "%s%s%s", a, b,
		         demo_cn_number((int)(idx / total) + 1, n, sizeof n));
	}
}

static void layout_street(demo_street *s, const demo_config *c, demo_rng *r)
{
	/* Names are drawn from seed-wide permutations indexed by position, so streets and
	 * communities of one district never repeat a name (until the lists run out). */
	demo_rng nr;
	demo_rng_init(&nr, c->seed, ST_NAMES);
	affine_perm sp = perm_new(&nr, NSTREETNAMES);
	affine_perm cp = perm_new(&nr, NCPRE * NCSUF);
	uint32_t si = (uint32_t)(c->street_no - 1);
	const char *sn = street_names[perm_at(&sp, si)];
	if (si < NSTREETNAMES) {
		snprintf(s->name, sizeof s->name, "%s街道", sn);
	} else {
		char n[16];
		snprintf(s->name, sizeof s->name, "%s%s街道", sn,
		         demo_cn_number((int)(si / NSTREETNAMES) + 1, n, sizeof n));
	}
	snprintf(s->code, sizeof s->code, DEMO_COUNTY "%03u", (unsigned)c->street_no % 1000u);
	s->street_no = c->street_no;
	s->cx0 = ((c->street_no - 1) % 8) * DEMO_PITCH_W;
	s->cy0 = ((c->street_no - 1) / 8) * DEMO_PITCH_H;
	s->w = c->w;
	s->h = c->h;

	/* Rows of communities, 2 cells high (3 for an odd remainder), each row split into
	 * communities 2–3 cells wide. */
	int rows[DEMO_PITCH_H], nrows = 0;
	for (int y = c->h; y > 0;) {
		int hh = y == 3 ? 3 : 2;
		rows[nrows++] = hh;
		y -= hh;
	}
	s->communities = gz_calloc(MAX_COMMUNITIES_PER_STREET + 4, sizeof *s->communities);
	s->grids = gz_calloc((size_t)(c->w * c->h), sizeof *s->grids);
	int cy = s->cy0 + c->h; /* north edge: communities are numbered from the north-west */
	for (int ri = 0; ri < nrows; ri++) {
		cy -= rows[ri];
		int parts[DEMO_PITCH_W], np = partition(r, c->w, parts), cx = s->cx0;
		for (int k = 0; k < np; k++) {
			int32_t ci = s->ncommunities++;
			demo_community *cm = &s->communities[ci];
			snprintf(cm->code, sizeof cm->code, "%.9s%03u", s->code,
			         (unsigned)(ci + 1) % 1000u);
			name_from(&cp,
			          (uint32_t)((c->street_no - 1) * MAX_COMMUNITIES_PER_STREET + ci),
			          community_prefixes, NCPRE, community_suffixes, NCSUF,
			          cm->short_name, sizeof cm->short_name);
			snprintf(cm->name, sizeof cm->name, "%s社区", cm->short_name);
			cm->cx0 = cx;
			cm->cy0 = cy;
			cm->w = parts[k];
			cm->h = rows[ri];
			cm->first_grid = s->ngrids;
			/* grids row by row from the north-west */
			for (int gy = cm->h - 1; gy >= 0; gy--)
				for (int gx = 0; gx < cm->w; gx++) {
					demo_grid *g = &s->grids[s->ngrids++];
					int no = ++cm->ngrids;
					char n[16];
					snprintf(g->code, sizeof g->code, "%.12s%03u", cm->code,
					         (unsigned)no % 1000u);
					snprintf(g->name, sizeof g->name, "%s第%s网格", cm->name,
					         demo_cn_number(no, n, sizeof n));
					g->community = ci;
					g->cx = cm->cx0 + gx;
					g->cy = cm->cy0 + gy;
					g->first_building = -1;
				}
			cx += parts[k];
		}
	}
	/* One residential compound per grid, its age deciding the buildings. */
	affine_perm pp = perm_new(r, NPPRE * NPSUF);
	for (int32_t i = 0; i < s->ngrids; i++) {
		demo_grid *g = &s->grids[i];
		name_from(&pp, (uint32_t)i, compound_prefixes, NPPRE, compound_suffixes, NPSUF,
		          g->compound, sizeof g->compound);
		static const int kw[] = {40, 35, 25};
		g->kind = (demo_building_kind)pick_weighted(r, kw, 3);
	}
}

/* ================================================================ buildings, units */

typedef struct {
	demo_street *s;
	int32_t cap_b, cap_u;
} grow_t;

/* Adds one building to grid gi at a free slot of its 4 × 4 layout. Returns false when
 * the grid is full. Buildings of one grid are contiguous only while a grid is filled
 * in one go; later ones are linked by number, not position (see nbuildings). */
static bool add_building(grow_t *gr, const demo_config *c, demo_rng *r, int32_t gi)
{
	demo_street *s = gr->s;
	demo_grid *g = &s->grids[gi];
	if (g->slots_used == 0xffff)
		return false;
	int slot;
	do
		slot = (int)demo_rng_below(r, 16);
	while (g->slots_used & (1u << slot));
	g->slots_used |= (uint16_t)(1u << slot);
	if (s->nbuildings == gr->cap_b) {
		gr->cap_b = gr->cap_b ? gr->cap_b * 2 : 128;
		s->buildings = gz_realloc(s->buildings, (size_t)gr->cap_b * sizeof *s->buildings);
	}
	int32_t bi = s->nbuildings++;
	demo_building *b = &s->buildings[bi];
	memset(b, 0, sizeof *b);
	b->grid = gi;
	if (g->first_building < 0)
		g->first_building = bi;
	b->number = ++g->nbuildings;
	snprintf(b->name, sizeof b->name, "%d号楼", b->number);
	snprintf(b->address, sizeof b->address, "%s%s%s%s%s", DEMO_CITY_NAME, DEMO_COUNTY_NAME,
	         s->name, g->compound, b->name);
	double u = (slot % 4 + 0.5) / 4 + ((double)demo_rng_below(r, 801) - 400) / 10000.0;
	double v = (slot / 4 + 0.5) / 4 + ((double)demo_rng_below(r, 801) - 400) / 10000.0;
	cell_point_e7(c->seed, g->cx, g->cy, u, v, &b->lng_e7, &b->lat_e7);
	b->kind = g->kind;
	int lo, hi, unsold;
	switch (b->kind) {
	case DEMO_WALKUP:
		b->floors = demo_rng_range(r, 5, 6);
		b->entrances = demo_rng_range(r, 2, 4);
		b->per_floor = 2;
		lo = 4500, hi = 9000, unsold = 0;
		break;
	case DEMO_MIDRISE:
		b->floors = demo_rng_range(r, 9, 14);
		b->entrances = 2;
		b->per_floor = 2;
		lo = 7000, hi = 14000, unsold = 200;
		break;
	default:
		b->floors = demo_rng_range(r, 18, 28);
		b->entrances = demo_rng_chance(r, 2000) ? 2 : 1;
		b->per_floor = 4;
		lo = 8000, hi = 16000, unsold = 800;
		break;
	}
	/* Flats stacked above each other share a floor plan, so an area per (entrance,
	 * position on the floor). */
	int32_t plan[4 * 4];
	for (int e = 0; e < b->entrances; e++)
		for (int f = 0; f < b->per_floor; f++)
			plan[e * b->per_floor + f] = demo_rng_range(r, lo, hi);
	int32_t n = b->floors * b->entrances * b->per_floor;
	if (s->nunits + n > gr->cap_u) {
		while (s->nunits + n > gr->cap_u)
			gr->cap_u = gr->cap_u ? gr->cap_u * 2 : 4096;
		s->units = gz_realloc(s->units, (size_t)gr->cap_u * sizeof *s->units);
	}
	b->first_unit = s->nunits;
	b->nunits = n;
	for (int e = 1; e <= b->entrances; e++)
		for (int fl = 1; fl <= b->floors; fl++)
			for (int f = 1; f <= b->per_floor; f++) {
				demo_unit *u = &s->units[s->nunits++];
				memset(u, 0, sizeof *u);
				u->building = bi;
				snprintf(u->number, sizeof u->number, "%u-%u-%u%02u",
				         (unsigned)b->number % 1000u, (unsigned)e % 10u,
				         (unsigned)fl % 100u, (unsigned)f % 100u);
				u->area_dm2 = plan[(e - 1) * b->per_floor + (f - 1)];
				u->sold = !demo_rng_chance(r, (uint32_t)unsold);
				u->first_resident = -1;
				u->owner_resident = u->co_owner = u->owner_other = -1;
			}
	return true;
}

/* The grid with the fewest buildings that has a free slot, or -1. */
static int32_t emptiest_grid(const demo_street *s)
{
	int32_t best = -1;
	for (int32_t i = 0; i < s->ngrids; i++)
		if (s->grids[i].slots_used != 0xffff &&
		    (best < 0 || s->grids[i].nbuildings < s->grids[best].nbuildings))
			best = i;
	return best;
}

/* ================================================================ households */

typedef struct {
	demo_street *s;
	demo_people *pp;
	demo_rng *r;
	person_date today;
	int32_t cap_r, cap_o;
} people_t;

static int32_t add_person(people_t *p, const char *surname, bool male, int age, int rel,
                          int32_t unit, bool resident)
{
	demo_street *s = p->s;
	demo_person **arr = resident ? &s->residents : &s->owners;
	int32_t *n = resident ? &s->nresidents : &s->nowners;
	int32_t *cap = resident ? &p->cap_r : &p->cap_o;
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 4096;
		*arr = gz_realloc(*arr, (size_t)*cap * sizeof **arr);
	}
	demo_person *x = &(*arr)[*n];
	memset(x, 0, sizeof *x);
	if (age < 0)
		age = 0;
	if (age > p->today.year - 1901)
		age = p->today.year - 1901; /* ID numbers start in 1900 */
	x->birth = birth_for_age(p->r, p->today, age);
	x->male = male;
	x->relation = (uint8_t)rel;
	x->unit = unit;
	make_name(p->r, surname, male, x->birth.year, x->name);
	make_id(p->pp, p->r, x->birth, male, x->id_number);
	if (age >= 14 && (age < 85 || demo_rng_chance(p->r, 6000)))
		make_phone(p->pp, x->phone);
	return (*n)++;
}

enum {
	HH_SINGLE_ELDER,
	HH_ELDER_COUPLE,
	HH_SINGLE_YOUNG,
	HH_YOUNG_COUPLE,
	HH_NUCLEAR1,
	HH_NUCLEAR2,
	HH_THREE_GEN,
	HH_SKIP_GEN,
	HH_OLD_WITH_CHILD,
	HH_SINGLE_PARENT,
	HH__COUNT
};
/* Weights tuned to Beijing's census shape: mean household ≈ 2.7, 60+ ≈ 21%. */
static const int hh_weights[HH__COUNT] = {6, 8, 9, 11, 22, 11, 13, 3, 9, 6};

static int clampi(int v, int lo, int hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

/* Adds a household to unit ui; returns the number of residents added (at most max). */
static int add_household(people_t *p, int32_t ui, int max)
{
	demo_rng *r = p->r;
	int32_t first = p->s->nresidents;
	int type = pick_weighted(r, hh_weights, HH__COUNT);
	const char *sur = pick_surname(r);
	int n = 0;
	bool skip_gen = type == HH_SKIP_GEN;
#define ADD(surname, male, age, rel)                                                               \
	do {                                                                                       \
		if (n < max) {                                                                     \
			add_person(p, (surname), (male), (age), (rel), ui, true);                  \
			n++;                                                                       \
		}                                                                                  \
	} while (0)
	switch (type) {
	case HH_SINGLE_ELDER: {
		int age = 62 + (int)demo_rng_below(r, 20) + (int)demo_rng_below(r, 15);
		ADD(sur, !demo_rng_chance(r, 6500), age, PERSON_REL_HEAD);
		break;
	}
	case HH_ELDER_COUPLE: {
		bool hm = demo_rng_chance(r, 8000);
		int ha = 62 + (int)demo_rng_below(r, 16) + (int)demo_rng_below(r, 12);
		int wa =
		    clampi(ha + (hm ? -demo_rng_range(r, 0, 5) : demo_rng_range(r, 0, 5)), 58, 100);
		ADD(sur, hm, ha, PERSON_REL_HEAD);
		ADD(pick_surname(r), !hm, wa, PERSON_REL_SPOUSE);
		break;
	}
	case HH_SINGLE_YOUNG:
		ADD(sur, demo_rng_chance(r, 5200), 22 + (int)demo_rng_below(r, 24),
		    PERSON_REL_HEAD);
		break;
	case HH_YOUNG_COUPLE: {
		bool hm = demo_rng_chance(r, 7500);
		int ha = 24 + (int)demo_rng_below(r, 16);
		ADD(sur, hm, ha, PERSON_REL_HEAD);
		ADD(pick_surname(r), !hm, clampi(ha + demo_rng_range(r, -3, 3), 22, 60),
		    PERSON_REL_SPOUSE);
		break;
	}
	case HH_NUCLEAR1:
	case HH_NUCLEAR2:
	case HH_THREE_GEN: {
		bool hm = demo_rng_chance(r, 7500);
		int ha = type == HH_THREE_GEN ? 32 + (int)demo_rng_below(r, 24)
		                              : 28 + (int)demo_rng_below(r, 23);
		int sa = clampi(ha + demo_rng_range(r, -4, 4), 23, 70);
		const char *spouse = pick_surname(r);
		const char *father = hm ? sur : spouse;
		int mother_age = hm ? sa : ha;
		ADD(sur, hm, ha, PERSON_REL_HEAD);
		ADD(spouse, !hm, sa, PERSON_REL_SPOUSE);
		int kids = type == HH_NUCLEAR2 ? 2 : 1;
		int ka = clampi(mother_age - demo_rng_range(r, 23, 35), 0, 30);
		for (int k = 0; k < kids; k++) {
			bool km = demo_rng_chance(r, 5100);
			int age = k == 0 ? ka : clampi(ka - demo_rng_range(r, 2, 8), 0, 30);
			ADD(demo_rng_chance(r, 9000) ? father : sur, km, age,
			    km ? PERSON_REL_SON : PERSON_REL_DAUGHTER);
		}
		if (type == HH_THREE_GEN) {
			int pa = clampi(ha + demo_rng_range(r, 24, 32), 55, 98);
			bool both = demo_rng_chance(r, 3000);
			bool fm = both || demo_rng_chance(r, 4000);
			if (both || fm)
				ADD(sur, true, pa, PERSON_REL_PARENT);
			if (both || !fm)
				ADD(pick_surname(r), false,
				    clampi(pa - demo_rng_range(r, 0, 4), 55, 98),
				    PERSON_REL_PARENT);
		}
		break;
	}
	case HH_SKIP_GEN: {
		bool hm = demo_rng_chance(r, 6000);
		int ha = 58 + (int)demo_rng_below(r, 18);
		ADD(sur, hm, ha, PERSON_REL_HEAD);
		if (demo_rng_chance(r, 7000))
			ADD(pick_surname(r), !hm, clampi(ha + demo_rng_range(r, -4, 4), 55, 95),
			    PERSON_REL_SPOUSE);
		int kids = demo_rng_range(r, 1, 2);
		for (int k = 0; k < kids; k++) {
			bool km = demo_rng_chance(r, 5200);
			ADD(hm ? sur : pick_surname(r), km, demo_rng_range(r, 3, 15),
			    PERSON_REL_GRANDCHILD);
		}
		break;
	}
	case HH_OLD_WITH_CHILD: {
		bool hm = demo_rng_chance(r, 6500);
		int ha = 60 + (int)demo_rng_below(r, 14) + (int)demo_rng_below(r, 12);
		const char *spouse = pick_surname(r);
		bool has_spouse = demo_rng_chance(r, 6000);
		ADD(sur, hm, ha, PERSON_REL_HEAD);
		if (has_spouse)
			ADD(spouse, !hm, clampi(ha + demo_rng_range(r, -4, 4), 55, 98),
			    PERSON_REL_SPOUSE);
		bool son = demo_rng_chance(r, 5500);
		int ca = clampi(ha - demo_rng_range(r, 24, 34), 18, 60);
		/* children carry their father's surname */
		const char *child = hm ? sur : has_spouse ? spouse : pick_surname(r);
		ADD(child, son, ca, son ? PERSON_REL_SON : PERSON_REL_DAUGHTER);
		if (demo_rng_chance(r, 4000) && ca >= 24)
			ADD(son ? child : pick_surname(r), demo_rng_chance(r, 5100),
			    clampi(ca - demo_rng_range(r, 24, 34), 0, 20), PERSON_REL_GRANDCHILD);
		break;
	}
	default: { /* HH_SINGLE_PARENT */
		bool hm = demo_rng_chance(r, 3000);
		int ha = 30 + (int)demo_rng_below(r, 21);
		ADD(sur, hm, ha, PERSON_REL_HEAD);
		bool km = demo_rng_chance(r, 5100);
		ADD(hm || demo_rng_chance(r, 3000) ? sur : pick_surname(r), km,
		    clampi(ha - demo_rng_range(r, 22, 36), 0, 28),
		    km ? PERSON_REL_SON : PERSON_REL_DAUGHTER);
		break;
	}
	}
#undef ADD

	/* Tags. */
	demo_street *s = p->s;
	bool all_old = true, dibao = demo_rng_chance(r, 200);
	bool has_spouse = false;
	for (int i = 0; i < n; i++) {
		int age = person_age(s->residents[first + i].birth, p->today);
		all_old &= age >= 60;
		has_spouse |= s->residents[first + i].relation == PERSON_REL_SPOUSE;
	}
	for (int i = 0; i < n; i++) {
		demo_person *x = &s->residents[first + i];
		int age = person_age(x->birth, p->today);
		uint16_t t = 0;
		if (n == 1 && age >= 60)
			t |= 1u << DEMO_TAG_LIVING_ALONE;
		if (n == 2 && all_old)
			t |= 1u << DEMO_TAG_EMPTY_NESTER;
		if (age >= 80)
			t |= 1u << DEMO_TAG_ELDERLY_80;
		uint32_t dis = age < 18 ? 80 : age < 60 ? 220 : age < 80 ? 500 : 1000;
		if (demo_rng_chance(r, dis))
			t |= 1u << DEMO_TAG_DISABLED;
		if (dibao)
			t |= 1u << DEMO_TAG_DIBAO;
		if (skip_gen && x->relation == PERSON_REL_GRANDCHILD && age < 16)
			t |= 1u << DEMO_TAG_LEFT_BEHIND;
		if (!x->male && age >= 22 && age <= 40 && has_spouse &&
		    (x->relation == PERSON_REL_HEAD || x->relation == PERSON_REL_SPOUSE) &&
		    demo_rng_chance(r, 500))
			t |= 1u << DEMO_TAG_PREGNANT;
		if (age >= 22 && age < 60 && demo_rng_chance(r, 350))
			t |= 1u << DEMO_TAG_UNEMPLOYED;
		if (age >= 45 && demo_rng_chance(r, 80))
			t |= 1u << DEMO_TAG_ENTITLED;
		if (x->male && age >= 30 && demo_rng_chance(r, 250))
			t |= 1u << DEMO_TAG_VETERAN;
		x->tags = t;
	}
	demo_unit *u = &s->units[ui];
	u->first_resident = first;
	u->nresidents = n;
	return n;
}

/* An owner who lives elsewhere. */
static int32_t add_owner(people_t *p)
{
	bool male = demo_rng_chance(p->r, 5500);
	return add_person(p, pick_surname(p->r), male, 30 + (int)demo_rng_below(p->r, 41), 0, -1,
	                  false);
}

/* Fills units (in a shuffled order) with households until c->residents live in the
 * street, adding buildings when c->grow and the units run out. */
static void populate(demo_street *s, const demo_config *c, demo_people *pp, grow_t *gr,
                     demo_rng *lr)
{
	demo_rng r;
	street_rng(&r, c->seed, c->street_no, ST_PEOPLE);
	people_t p = {.s = s, .pp = pp, .r = &r, .today = c->today};
	int32_t *order = NULL;
	int32_t norder = 0, next = 0, seen_units = 0;
	while (s->nresidents < c->residents) {
		if (next == norder) {
			/* New units: those added since the last round, shuffled. */
			if (seen_units == s->nunits) {
				int32_t gi = c->grow ? emptiest_grid(s) : -1;
				if (gi < 0 || !add_building(gr, c, lr, gi))
					break;
			}
			free(order);
			norder = s->nunits - seen_units;
			order = gz_malloc((size_t)norder * sizeof *order);
			for (int32_t i = 0; i < norder; i++)
				order[i] = seen_units + i;
			shuffle_i32(&r, order, (size_t)norder);
			seen_units = s->nunits;
			next = 0;
		}
		int32_t ui = order[next++];
		demo_unit *u = &s->units[ui];
		if (!u->sold || demo_rng_chance(&r, 700))
			continue; /* the developer's, or empty */
		int32_t first = s->nresidents;
		int n = add_household(&p, ui, (int)(c->residents - s->nresidents));
		u = &s->units[ui];
		/* Most households own their flat; some rent it from someone living elsewhere. */
		if (demo_rng_chance(&r, 8800)) {
			u->owner_resident = first;
			for (int i = 1; i < n; i++)
				if (s->residents[first + i].relation == PERSON_REL_SPOUSE &&
				    demo_rng_chance(&r, 3500))
					u->co_owner = first + i;
		} else {
			u->owner_other = add_owner(&p);
		}
		s->nhouseholds++;
	}
	/* Sold flats nobody lives in still have an owner. */
	for (int32_t i = 0; i < s->nunits; i++) {
		demo_unit *u = &s->units[i];
		if (u->sold && u->owner_resident < 0 && u->owner_other < 0)
			u->owner_other = add_owner(&p);
	}
	free(order);
}

/* ================================================================ the network */

typedef struct {
	demo_street *s;
	demo_people *pp;
	demo_rng *r;
	const demo_config *c;
	int32_t cap_o, cap_m, cap_a, cap_p;
	int32_t *grid_of;  /* resident -> grid */
	uint8_t *is_party; /* resident is a Party member already */
	int32_t *gb_off;   /* buildings of grid g: gb_idx[gb_off[g] .. gb_off[g + 1]) */
	int32_t *gb_idx;
} net_t;

static int32_t add_org(net_t *n, org_type t, const char *name, const char *space, int32_t parent,
                       int32_t building)
{
	demo_street *s = n->s;
	if (s->norgs == n->cap_o) {
		n->cap_o = n->cap_o ? n->cap_o * 2 : 128;
		s->orgs = gz_realloc(s->orgs, (size_t)n->cap_o * sizeof *s->orgs);
	}
	demo_org *o = &s->orgs[s->norgs];
	memset(o, 0, sizeof *o);
	o->type = t;
	snprintf(o->name, sizeof o->name, "%s", name);
	snprintf(o->space, sizeof o->space, "%s", space);
	o->parent = parent;
	o->building = building;
	return s->norgs++;
}

static const char credit_chars[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";

/* A 统一社会信用代码: registration authority and type (e.g. "91" company, "12" public
 * institution, "52" social organisation, "11" state organ), the county, a 9-character
 * organisation code with its GB 11714 check character, and the GB 32100 check
 * character. */
static void make_credit(demo_rng *r, const char *kind2, char out[19])
{
	static const int w11714[8] = {3, 7, 9, 10, 5, 8, 4, 2};
	static const int w32100[17] = {1,  3,  9,  27, 19, 26, 16, 17, 20,
	                               29, 25, 13, 8,  24, 10, 30, 28};
	char code[19];
	memcpy(code, kind2, 2);
	memcpy(code + 2, DEMO_COUNTY, 6);
	int sum = 0;
	for (int i = 0; i < 8; i++) {
		int d = (int)demo_rng_below(r, 10);
		code[8 + i] = (char)('0' + d);
		sum += d * w11714[i];
	}
	int c9 = 11 - sum % 11;
	code[16] = c9 == 10 ? 'X' : c9 == 11 ? '0' : (char)('0' + c9);
	sum = 0;
	for (int i = 0; i < 17; i++)
		sum += (int)(strchr(credit_chars, code[i]) - credit_chars) * w32100[i];
	code[17] = credit_chars[(31 - sum % 31) % 31];
	code[18] = '\0';
	memcpy(out, code, 19);
}

static int32_t add_member(net_t *n, int32_t org, int32_t resident, const char *name,
                          const char *phone, const char *position, bool contact)
{
	demo_street *s = n->s;
	if (s->nmembers == n->cap_m) {
		n->cap_m = n->cap_m ? n->cap_m * 2 : 256;
		s->members = gz_realloc(s->members, (size_t)n->cap_m * sizeof *s->members);
	}
	demo_member *m = &s->members[s->nmembers];
	memset(m, 0, sizeof *m);
	m->org = org;
	m->resident = resident;
	if (name)
		snprintf(m->name, sizeof m->name, "%s", name);
	if (phone)
		snprintf(m->phone, sizeof m->phone, "%s", phone);
	snprintf(m->position, sizeof m->position, "%s", position);
	m->contact = contact;
	return s->nmembers++;
}

/* An outside person: a name and a mobile number. */
typedef struct {
	char name[DEMO_NAME_MAX];
	char phone[12];
} outsider;

static outsider make_outsider(net_t *n, int min_age, int max_age)
{
	outsider o;
	bool male = demo_rng_chance(n->r, 5500);
	int year = n->c->today.year - demo_rng_range(n->r, min_age, max_age);
	make_name(n->r, pick_surname(n->r), male, year, o.name);
	make_phone(n->pp, o.phone);
	return o;
}

static int32_t add_party(net_t *n, int32_t resident, int32_t party_org, int32_t employer,
                         int32_t community, org_post_type post)
{
	demo_street *s = n->s;
	if (s->nparty == n->cap_p) {
		n->cap_p = n->cap_p ? n->cap_p * 2 : 256;
		s->party = gz_realloc(s->party, (size_t)n->cap_p * sizeof *s->party);
	}
	demo_party_member *m = &s->party[s->nparty];
	memset(m, 0, sizeof *m);
	m->resident = resident;
	m->party_org = party_org;
	m->employer = employer;
	m->community = community;
	m->grid = community >= 0 ? n->grid_of[resident] : -1;
	m->post = post;
	if (community >= 0)
		m->reported_ms =
		    demo_date_ms(n->c->today) - (int64_t)demo_rng_range(n->r, 20, 900) * 86400000LL;
	n->is_party[resident] = 1;
	return s->nparty++;
}

/* A resident of grid gi aged min_age..max_age who is not yet a Party member, preferably
 * living in building bi (-1: anywhere in the grid). -1 when there is none. */
static int32_t pick_resident(net_t *n, int32_t gi, int32_t bi, int min_age, int max_age)
{
	demo_street *s = n->s;
	int32_t nb = n->gb_off[gi + 1] - n->gb_off[gi];
	if (nb <= 0)
		return -1;
	for (int attempt = 0; attempt < 400; attempt++) {
		int32_t b =
		    bi >= 0
		        ? bi
		        : n->gb_idx[n->gb_off[gi] + (int32_t)demo_rng_below(n->r, (uint32_t)nb)];
		const demo_building *bb = &s->buildings[b];
		const demo_unit *u =
		    &s->units[bb->first_unit + (int32_t)demo_rng_below(n->r, (uint32_t)bb->nunits)];
		if (u->nresidents == 0)
			continue;
		int32_t ri =
		    u->first_resident + (int32_t)demo_rng_below(n->r, (uint32_t)u->nresidents);
		int age = person_age(s->residents[ri].birth, n->c->today);
		if (age < min_age || age > max_age || n->is_party[ri])
			continue;
		return ri;
	}
	return -1;
}

typedef struct {
	const char *name; /* %s: the street's short name */
	const char *credit_kind;
	int special; /* index into commitment_pool of what it offers besides volunteers, -1 */
	org_post_type post;
} coop_def;

typedef struct {
	const char *item, *unit;
	int lo, hi, step;
} commitment_def;

static const commitment_def commitment_pool[] = {
    {"志愿服务", "小时", 40, 300, 10}, {"场地开放", "次", 12, 52, 1},
    {"资金支持", "元", 5, 100, 1000},  {"义诊", "次", 4, 24, 1},
    {"法律咨询", "次", 6, 24, 1},      {"图书捐赠", "册", 100, 1000, 50},
    {"就业岗位", "个", 3, 20, 1},      {"党课宣讲", "次", 2, 12, 1},
    {"助老服务", "小时", 50, 400, 10},
};
enum {
	CM_VOLUNTEER,
	CM_VENUE,
	CM_FUNDS,
	CM_CLINIC,
	CM_LEGAL,
	CM_BOOKS,
	CM_JOBS,
	CM_LECTURE,
	CM_ELDERLY
};

static const coop_def coop_units[] = {
    {"北京市%s中学", "12", CM_VENUE, ORG_POST_CULTURE_SPORTS},
    {"朝阳区%s第一小学", "12", CM_VENUE, ORG_POST_CULTURE_SPORTS},
    {"朝阳区%s社区卫生服务中心", "12", CM_CLINIC, ORG_POST_HEALTH},
    {"北京%s医院", "12", CM_CLINIC, ORG_POST_HEALTH},
    {"中国工商银行北京%s支行", "91", CM_FUNDS, ORG_POST_OTHER},
    {"中国建设银行北京%s支行", "91", CM_FUNDS, ORG_POST_OTHER},
    {"北京银行%s支行", "91", CM_FUNDS, ORG_POST_EMPLOYMENT_AID},
    {"国网北京朝阳供电公司%s供电所", "91", CM_LECTURE, ORG_POST_GOVERNANCE},
    {"北京燃气集团朝阳分公司", "91", CM_LECTURE, ORG_POST_GOVERNANCE},
    {"国家税务总局北京市朝阳区税务局第三税务所", "11", CM_LECTURE, ORG_POST_ORGANISATION},
    {"北京华信律师事务所", "31", CM_LEGAL, ORG_POST_LEGAL},
    {"北京正源会计师事务所有限公司", "91", CM_LEGAL, ORG_POST_LEGAL},
    {"北京星河科技有限公司", "91", CM_JOBS, ORG_POST_EMPLOYMENT_AID},
    {"北京绿源环保科技有限公司", "91", CM_JOBS, ORG_POST_GOVERNANCE},
    {"朝阳区图书馆%s分馆", "12", CM_BOOKS, ORG_POST_CULTURE_SPORTS},
    {"中铁建设集团第三工程有限公司", "91", CM_FUNDS, ORG_POST_PATROL},
    {"北京京华建筑设计研究院有限公司", "91", CM_VENUE, ORG_POST_GOVERNANCE},
    {"朝阳区消防救援支队%s消防站", "11", CM_LECTURE, ORG_POST_PATROL},
    {"朝阳区文化馆%s分馆", "12", CM_VENUE, ORG_POST_CULTURE_SPORTS},
    {"中国邮政北京市朝阳区%s营业部", "91", CM_ELDERLY, ORG_POST_OTHER},
    {"北京顺达出租汽车有限公司", "91", CM_ELDERLY, ORG_POST_PATROL},
    {"北京康宁养老服务中心", "52", CM_ELDERLY, ORG_POST_HEALTH},
    {"北京%s阳光幼儿园", "52", CM_VENUE, ORG_POST_CULTURE_SPORTS},
    {"北京博雅书店有限公司", "91", CM_BOOKS, ORG_POST_CULTURE_SPORTS},
    {"中国联通北京市朝阳区%s营业厅", "91", CM_FUNDS, ORG_POST_OTHER},
    {"北京惠民超市连锁有限公司%s店", "91", CM_JOBS, ORG_POST_EMPLOYMENT_AID},
    {"北京和睦家政服务有限公司", "91", CM_ELDERLY, ORG_POST_EMPLOYMENT_AID},
    {"朝阳区少年宫%s活动中心", "12", CM_VENUE, ORG_POST_CULTURE_SPORTS},
};
#define NCOOP (int)(sizeof coop_units / sizeof coop_units[0])

static const char *const property_names[] = {"金泰", "鸿业", "嘉诚", "万和", "安泰",
                                             "恒信", "瑞安", "华宇", "盛世", "康和"};

/* The street's short name without 「街道」. */
static void street_short(const demo_street *s, char *out, size_t cap)
{
	size_t n = strlen(s->name);
	size_t k = strlen("街道");
	if (n > k && !strcmp(s->name + n - k, "街道"))
		n -= k;
	snprintf(out, cap, "%.*s", (int)n, s->name);
}

static org_post_type pick_post(demo_rng *r)
{
	/* organisation, legal, employment_aid, governance, health, culture_sports, patrol, other */
	static const int w[ORG_POST__COUNT] = {10, 8, 7, 25, 10, 15, 15, 10};
	return (org_post_type)pick_weighted(r, w, ORG_POST__COUNT);
}

static void build_network(demo_street *s, const demo_config *c, demo_people *pp)
{
	demo_rng r;
	street_rng(&r, c->seed, c->street_no, ST_NETWORK);
	net_t n = {.s = s, .pp = pp, .r = &r, .c = c};
	n.grid_of = gz_malloc((size_t)(s->nresidents ? s->nresidents : 1) * sizeof *n.grid_of);
	n.is_party = gz_calloc((size_t)(s->nresidents ? s->nresidents : 1), 1);
	for (int32_t i = 0; i < s->nresidents; i++)
		n.grid_of[i] = s->buildings[s->units[s->residents[i].unit].building].grid;
	n.gb_off = gz_calloc((size_t)s->ngrids + 1, sizeof *n.gb_off);
	n.gb_idx = gz_malloc((size_t)(s->nbuildings ? s->nbuildings : 1) * sizeof *n.gb_idx);
	for (int32_t b = 0; b < s->nbuildings; b++)
		n.gb_off[s->buildings[b].grid + 1]++;
	for (int32_t g = 0; g < s->ngrids; g++)
		n.gb_off[g + 1] += n.gb_off[g];
	{
		int32_t *fill = gz_calloc((size_t)s->ngrids, sizeof *fill);
		for (int32_t b = 0; b < s->nbuildings; b++) {
			int32_t g = s->buildings[b].grid;
			n.gb_idx[n.gb_off[g] + fill[g]++] = b;
		}
		free(fill);
	}
	char sshort[64], buf[200];
	street_short(s, sshort, sizeof sshort);

	/* The Party line. */
	snprintf(buf, sizeof buf, "%s党工委", s->name);
	int32_t street_party = add_org(&n, ORG_STREET_PARTY, buf, s->code, -1, -1);
	outsider sec = make_outsider(&n, 45, 56);
	add_member(&n, street_party, -1, sec.name, sec.phone, "书记", true);
	outsider dep = make_outsider(&n, 40, 55);
	add_member(&n, street_party, -1, dep.name, dep.phone, "副书记", false);
	for (int k = 0; k < 3; k++) {
		outsider o = make_outsider(&n, 35, 55);
		add_member(&n, street_party, -1, o.name, o.phone, "委员", false);
	}

	int32_t *comm_party = gz_malloc((size_t)s->ncommunities * sizeof *comm_party);
	int32_t *comm_rc = gz_malloc((size_t)s->ncommunities * sizeof *comm_rc);
	int32_t *grid_branch = gz_malloc((size_t)s->ngrids * sizeof *grid_branch);
	outsider *comm_sec = gz_malloc((size_t)s->ncommunities * sizeof *comm_sec);
	outsider *comm_dep = gz_malloc((size_t)s->ncommunities * sizeof *comm_dep);
	for (int32_t ci = 0; ci < s->ncommunities; ci++) {
		const demo_community *cm = &s->communities[ci];
		snprintf(buf, sizeof buf, "%s党委", cm->name);
		comm_party[ci] = add_org(&n, ORG_COMMUNITY_PARTY, buf, cm->code, street_party, -1);
		snprintf(buf, sizeof buf, "%s居民委员会", cm->name);
		comm_rc[ci] =
		    add_org(&n, ORG_RESIDENTS_COMMITTEE, buf, cm->code, comm_party[ci], -1);
		/* 书记、主任「一肩挑」: one person heads both (the same phone, so the same
		 * person_key: 交叉任职). */
		comm_sec[ci] = make_outsider(&n, 38, 55);
		comm_dep[ci] = make_outsider(&n, 32, 50);
		add_member(&n, comm_party[ci], -1, comm_sec[ci].name, comm_sec[ci].phone, "书记",
		           true);
		add_member(&n, comm_rc[ci], -1, comm_sec[ci].name, comm_sec[ci].phone, "主任",
		           true);
		add_member(&n, comm_party[ci], -1, comm_dep[ci].name, comm_dep[ci].phone, "副书记",
		           false);
		add_member(&n, comm_rc[ci], -1, comm_dep[ci].name, comm_dep[ci].phone, "副主任",
		           false);
		for (int32_t gi = cm->first_grid; gi < cm->first_grid + cm->ngrids; gi++) {
			const demo_grid *g = &s->grids[gi];
			char no[16];
			snprintf(buf, sizeof buf, "%s第%s网格党支部", cm->name,
			         demo_cn_number((int)(gi - cm->first_grid + 1), no, sizeof no));
			grid_branch[gi] =
			    add_org(&n, ORG_GRID_BRANCH, buf, g->code, comm_party[ci], -1);
		}
	}

	/* Party members organised where they live: the grid's branch, or a building group
	 * (楼栋党小组) for about a third of the buildings, led by a member living there. */
	for (int32_t gi = 0; gi < s->ngrids; gi++) {
		const demo_grid *g = &s->grids[gi];
		int want = demo_rng_range(&r, 9, 12);
		int32_t first = s->nparty;
		for (int k = 0; k < want; k++) {
			int32_t ri = pick_resident(&n, gi, -1, 45, 90);
			if (ri < 0)
				ri = pick_resident(&n, gi, -1, 22, 95);
			if (ri >= 0)
				add_party(&n, ri, grid_branch[gi], -1, -1, ORG_POST_OTHER);
		}
		if (s->nparty > first)
			add_member(&n, grid_branch[gi], s->party[first].resident, NULL, NULL,
			           "书记", true);
		if (s->nparty > first + 1)
			add_member(&n, grid_branch[gi], s->party[first + 1].resident, NULL, NULL,
			           "组织委员", false);
		for (int32_t bi = 0; bi < s->nbuildings; bi++) {
			const demo_building *b = &s->buildings[bi];
			if (b->grid != gi || (b->number % 3 != 1 && !demo_rng_chance(&r, 1500)))
				continue;
			int32_t ri = pick_resident(&n, gi, bi, 40, 85);
			if (ri < 0)
				continue;
			snprintf(buf, sizeof buf, "%s%s党小组", g->compound, b->name);
			int32_t grp =
			    add_org(&n, ORG_BUILDING_GROUP, buf, g->code, grid_branch[gi], bi);
			add_party(&n, ri, grp, -1, -1, ORG_POST_OTHER);
			add_member(&n, grp, ri, NULL, NULL, "组长", true);
			int32_t r2 = pick_resident(&n, gi, bi, 30, 85);
			if (r2 >= 0)
				add_party(&n, r2, grp, -1, -1, ORG_POST_OTHER);
		}
	}
	/* Community Party committee members among the residents' Party members. */
	for (int32_t ci = 0; ci < s->ncommunities; ci++)
		for (int k = 0, done = 0; k < s->nparty && done < 3; k++) {
			const demo_party_member *m = &s->party[k];
			if (s->grids[n.grid_of[m->resident]].community != ci || k % 4 != 1)
				continue;
			add_member(&n, comm_party[ci], m->resident, NULL, NULL, "委员", false);
			if (done == 0)
				add_member(&n, comm_rc[ci], m->resident, NULL, NULL, "委员", false);
			done++;
		}

	/* Property companies (红色物业): one per community for most communities; the
	 * community's deputy secretary sits in its Party branch — 交叉任职. */
	affine_perm prop = perm_new(&r, sizeof property_names / sizeof property_names[0]);
	for (int32_t ci = 0; ci < s->ncommunities; ci++) {
		if (ci >= 3 && demo_rng_chance(&r, 5000))
			continue;
		snprintf(buf, sizeof buf, "北京%s物业服务有限公司%s项目部",
		         property_names[perm_at(&prop, (uint32_t)ci)],
		         s->communities[ci].short_name);
		int32_t o = add_org(&n, ORG_PROPERTY_COMPANY, buf, s->communities[ci].code, -1, -1);
		make_credit(&r, "91", s->orgs[o].credit);
		outsider mgr = make_outsider(&n, 30, 55);
		add_member(&n, o, -1, mgr.name, mgr.phone, "项目经理", true);
		add_member(&n, o, -1, comm_dep[ci].name, comm_dep[ci].phone, "党支部书记", false);
	}
	/* Owners' committees for compounds of newer buildings, one member also on the
	 * community Party committee. */
	for (int32_t gi = 0; gi < s->ngrids; gi++) {
		const demo_grid *g = &s->grids[gi];
		if (g->kind == DEMO_WALKUP || !demo_rng_chance(&r, 5000))
			continue;
		int32_t ci = g->community;
		snprintf(buf, sizeof buf, "%s业主委员会", g->compound);
		int32_t o = add_org(&n, ORG_OWNERS_COMMITTEE, buf, g->code,
		                    demo_rng_chance(&r, 5000) ? comm_party[ci] : comm_rc[ci], -1);
		int32_t head = pick_resident(&n, gi, -1, 35, 75);
		if (head >= 0)
			add_member(&n, o, head, NULL, NULL, "主任", true);
		for (int k = 0; k < 2; k++) {
			int32_t m = pick_resident(&n, gi, -1, 30, 75);
			if (m >= 0)
				add_member(&n, o, m, NULL, NULL, "委员", false);
		}
		add_member(&n, o, -1, comm_sec[ci].name, comm_sec[ci].phone, "指导员", false);
	}
	/* Social organisations. */
	snprintf(buf, sizeof buf, "北京%s社会工作事务所", sshort);
	int32_t so = add_org(&n, ORG_SOCIAL_ORG, buf, s->code, -1, -1);
	make_credit(&r, "52", s->orgs[so].credit);
	outsider so_head = make_outsider(&n, 28, 50);
	add_member(&n, so, -1, so_head.name, so_head.phone, "负责人", true);
	for (int32_t ci = 0; ci < s->ncommunities && ci < 3; ci++) {
		snprintf(buf, sizeof buf, "%s%s", s->communities[ci].name,
		         ci % 2 ? "老年协会" : "志愿者协会");
		int32_t o = add_org(&n, ORG_SOCIAL_ORG, buf, s->communities[ci].code,
		                    ci % 2 ? comm_rc[ci] : comm_party[ci], -1);
		int32_t head = pick_resident(&n, s->communities[ci].first_grid, -1, 40, 75);
		if (head >= 0)
			add_member(&n, o, head, NULL, NULL, "会长", true);
	}
	/* Departments that take escalations (街乡吹哨、部门报到). */
	static const char *const depts[] = {"%s派出所", "朝阳区城市管理综合行政执法局%s执法队",
	                                    "朝阳区市场监督管理局%s市场监管所"};
	int32_t dept0 = -1;
	for (int k = 0; k < 3; k++) {
		char nm[128];
		snprintf(nm, sizeof nm, depts[k], sshort);
		int32_t o = add_org(&n, ORG_DEPARTMENT, nm, s->code, -1, -1);
		make_credit(&r, "11", s->orgs[o].credit);
		outsider ct = make_outsider(&n, 28, 55);
		add_member(&n, o, -1, ct.name, ct.phone, "联络人", true);
		if (dept0 < 0)
			dept0 = o;
	}

	/* Co-building units (共建单位), each with agreements with 1–2 communities. */
	int ncoop = demo_rng_range(&r, 22, 24);
	affine_perm cp = perm_new(&r, NCOOP);
	int32_t *unit_org = gz_malloc((size_t)ncoop * sizeof *unit_org);
	int *unit_def = gz_malloc((size_t)ncoop * sizeof *unit_def);
	for (int k = 0; k < ncoop; k++) {
		int d = (int)perm_at(&cp, (uint32_t)k);
		char nm[200];
		snprintf(nm, sizeof nm, coop_units[d].name, sshort);
		int32_t o = add_org(&n, ORG_COOP_UNIT, nm, s->code, -1, -1);
		make_credit(&r, coop_units[d].credit_kind, s->orgs[o].credit);
		unit_org[k] = o;
		unit_def[k] = d;
		outsider ct = make_outsider(&n, 28, 55);
		add_member(&n, o, -1, ct.name, ct.phone, "联络人", true);
		outsider ps = make_outsider(&n, 40, 58);
		add_member(&n, o, -1, ps.name, ps.phone, "党组织书记", false);

		int nag = s->ncommunities > 1 && demo_rng_chance(&r, 4500) ? 2 : 1;
		int32_t c0 = (int32_t)((k + (int)demo_rng_below(&r, 2)) % s->ncommunities);
		for (int a = 0; a < nag; a++) {
			int32_t ci = (c0 + a) % s->ncommunities;
			if (s->nagreements == n.cap_a) {
				n.cap_a = n.cap_a ? n.cap_a * 2 : 64;
				s->agreements = gz_realloc(s->agreements,
				                           (size_t)n.cap_a * sizeof *s->agreements);
			}
			demo_agreement *ag = &s->agreements[s->nagreements++];
			memset(ag, 0, sizeof *ag);
			ag->unit_org = o;
			ag->community = ci;
			int64_t start_day =
			    demo_days_from_civil(c->today.year, c->today.month, c->today.day) -
			    demo_rng_range(&r, 30, 540);
			person_date sd = demo_civil_from_days(start_day);
			person_date ed = {sd.year + 3, sd.month,
			                  sd.day == 29 && sd.month == 2 ? 28 : sd.day};
			ag->start_ms = demo_date_ms(sd);
			ag->end_ms = demo_date_ms(ed) - 1000; /* 23:59:59 the day before */
			/* A few drafts and one ended agreement, the rest in force. */
			ag->status = s->nagreements % 11 == 5   ? ORG_AGREEMENT_DRAFT
			             : s->nagreements % 13 == 7 ? ORG_AGREEMENT_TERMINATED
			                                        : ORG_AGREEMENT_ACTIVE;
			snprintf(ag->title, sizeof ag->title, "%s党建共建协议（%d—%d）",
			         s->communities[ci].name, sd.year, ed.year);
			int cms[DEMO_COMMITMENTS_MAX], nc = 0;
			cms[nc++] = CM_VOLUNTEER;
			if (coop_units[d].special >= 0)
				cms[nc++] = coop_units[d].special;
			int extra = (int)demo_rng_below(
			    &r, (uint32_t)(sizeof commitment_pool / sizeof commitment_pool[0]));
			bool dup = false;
			for (int q = 0; q < nc; q++)
				dup |= cms[q] == extra;
			if (!dup && demo_rng_chance(&r, 6000))
				cms[nc++] = extra;
			for (int q = 0; q < nc; q++) {
				const commitment_def *cd = &commitment_pool[cms[q]];
				ag->commitments[q] = (demo_commitment){
				    cd->item, cd->unit,
				    (int64_t)demo_rng_range(&r, cd->lo, cd->hi) * cd->step};
			}
			ag->ncommitments = nc;
		}
	}

	/* 在职党员 reporting to the community where they live (双报到): their Party
	 * organisation is their employer's — a co-building unit with an agreement with that
	 * community, or a department. */
	for (int32_t gi = 0; gi < s->ngrids; gi++) {
		int32_t ci = s->grids[gi].community;
		int32_t linked[64];
		int nl = 0;
		for (int32_t a = 0; a < s->nagreements && nl < 64; a++)
			if (s->agreements[a].community == ci)
				linked[nl++] = s->agreements[a].unit_org;
		int want = demo_rng_range(&r, 6, 8);
		for (int k = 0; k < want; k++) {
			int32_t ri = pick_resident(&n, gi, -1, 25, 58);
			if (ri < 0)
				break;
			int32_t org = nl && !demo_rng_chance(&r, 1000)
			                  ? linked[demo_rng_below(&r, (uint32_t)nl)]
			                  : dept0;
			org_post_type post = pick_post(&r);
			for (int u = 0; u < ncoop; u++)
				if (unit_org[u] == org && demo_rng_chance(&r, 6000))
					post = coop_units[unit_def[u]].post;
			add_party(&n, ri, org, org, ci, post);
		}
	}

	free(unit_org);
	free(unit_def);
	free(comm_party);
	free(comm_rc);
	free(grid_branch);
	free(comm_sec);
	free(comm_dep);
	free(n.grid_of);
	free(n.is_party);
	free(n.gb_off);
	free(n.gb_idx);
}

/* ================================================================ accounts */

static void make_password(demo_rng *r, char out[24])
{
	/* No 0/O, 1/l/I, 2/Z, 5/S, 8/B: easy to read off a screen. 54 symbols, 12 of them:
	 * 69 bits, for a demo whose seed is public anyway. */
	static const char alpha[] = "abcdefghjkmnpqrstuvwxyzACDEFGHJKLMNPQRTUVWXY34679";
	int k = 0;
	for (int g = 0; g < 3; g++) {
		if (g)
			out[k++] = '-';
		for (int i = 0; i < 4; i++)
			out[k++] = alpha[demo_rng_below(r, sizeof alpha - 1)];
	}
	out[k] = '\0';
}

static void build_accounts(demo_street *s, const demo_config *c, demo_people *pp)
{
	demo_rng r;
	street_rng(&r, c->seed, c->street_no, ST_ACCOUNTS);
	static const char *const usernames[ROLE__COUNT] = {
	    [ROLE_RESIDENT] = "resident",        [ROLE_GRID_WORKER] = "gridworker",
	    [ROLE_PARTY_MEMBER] = "partymember", [ROLE_VOLUNTEER] = "volunteer",
	    [ROLE_COMMUNITY_STAFF] = "staff",    [ROLE_COMMUNITY_ADMIN] = "secretary",
	    [ROLE_UNIT_CONTACT] = "unitcontact", [ROLE_PROPERTY] = "property",
	    [ROLE_DEPARTMENT] = "department",    [ROLE_STREET_SUPERVISOR] = "street",
	    [ROLE_SYSTEM_ADMIN] = "admin",
	};
	const demo_community *c0 = &s->communities[0];
	const demo_grid *g0 = &s->grids[c0->first_grid];
	char street_code[SPACE_CODE_SIZE], comm_code[SPACE_CODE_SIZE], grid_code[SPACE_CODE_SIZE];
	memcpy(street_code, s->code, sizeof street_code);
	memcpy(comm_code, c0->code, sizeof comm_code);
	memcpy(grid_code, g0->code, sizeof grid_code);
	/* Who holds each account: people of the first community where there is one. */
	const char *names[ROLE__COUNT] = {0};
	int32_t resident = -1, party_resident = -1;
	for (int32_t i = 0; i < s->nmembers; i++) {
		const demo_member *m = &s->members[i];
		const demo_org *o = &s->orgs[m->org];
		const char *nm = m->resident >= 0 ? s->residents[m->resident].name : m->name;
		if (o->type == ORG_STREET_PARTY && !strcmp(m->position, "副书记") &&
		    !names[ROLE_STREET_SUPERVISOR])
			names[ROLE_STREET_SUPERVISOR] = nm;
		if (o->type == ORG_COMMUNITY_PARTY && !strcmp(o->space, c0->code) &&
		    !strcmp(m->position, "书记"))
			names[ROLE_COMMUNITY_ADMIN] = nm;
		if (o->type == ORG_PROPERTY_COMPANY && !strcmp(o->space, c0->code) && m->contact)
			names[ROLE_PROPERTY] = nm;
		if (o->type == ORG_DEPARTMENT && m->contact && !names[ROLE_DEPARTMENT])
			names[ROLE_DEPARTMENT] = nm;
	}
	for (int32_t a = 0; a < s->nagreements && !names[ROLE_UNIT_CONTACT]; a++)
		if (s->agreements[a].community == 0)
			for (int32_t i = 0; i < s->nmembers; i++)
				if (s->members[i].org == s->agreements[a].unit_org &&
				    s->members[i].contact) {
					names[ROLE_UNIT_CONTACT] = s->members[i].name;
					break;
				}
	for (int32_t k = 0; k < s->nparty && party_resident < 0; k++) {
		int32_t ri = s->party[k].resident;
		if (s->buildings[s->units[s->residents[ri].unit].building].grid == c0->first_grid)
			party_resident = ri;
	}
	/* The resident: an adult in the first grid who is not a Party member. */
	for (int32_t i = 0; i < s->nresidents && resident < 0; i++) {
		const demo_person *x = &s->residents[i];
		if (s->buildings[s->units[x->unit].building].grid != c0->first_grid ||
		    person_age(x->birth, c->today) < 30 || x->relation != PERSON_REL_HEAD)
			continue;
		bool party = false;
		for (int32_t k = 0; k < s->nparty && !party; k++)
			party = s->party[k].resident == i;
		if (!party)
			resident = i;
	}
	if (resident >= 0)
		names[ROLE_RESIDENT] = s->residents[resident].name;
	if (party_resident >= 0)
		names[ROLE_PARTY_MEMBER] = s->residents[party_resident].name;

	for (int role = 0; role < ROLE__COUNT; role++) {
		demo_account *a = &s->accounts[s->naccounts++];
		memset(a, 0, sizeof *a);
		a->role = (policy_role)role;
		a->resident = -1;
		snprintf(a->username, sizeof a->username, "%s", usernames[role]);
		make_password(&r, a->password);
		char gen[DEMO_NAME_MAX];
		if (!names[role]) {
			make_name(&r, pick_surname(&r), demo_rng_chance(&r, 5000),
			          c->today.year - demo_rng_range(&r, 25, 50), gen);
			names[role] = gen;
		}
		snprintf(a->display_name, sizeof a->display_name, "%s", names[role]);
		switch (role) {
		case ROLE_SYSTEM_ADMIN:
			a->scope[0] = '\0';
			snprintf(a->display_name, sizeof a->display_name, "系统管理员");
			break;
		case ROLE_STREET_SUPERVISOR:
		case ROLE_DEPARTMENT:
			memcpy(a->scope, street_code, sizeof a->scope);
			break;
		case ROLE_GRID_WORKER:
		case ROLE_RESIDENT:
		case ROLE_PARTY_MEMBER:
			memcpy(a->scope, grid_code, sizeof a->scope);
			break;
		default:
			memcpy(a->scope, comm_code, sizeof a->scope);
		}
		if (role == ROLE_RESIDENT)
			a->resident = resident;
		/* The Party member's account is their own resident record's, so 我的党员积分
		 * (GET /me/party-points) finds their Party membership. */
		if (role == ROLE_PARTY_MEMBER)
			a->resident = party_resident;
	}
	(void)pp;
}

/* ================================================================ the whole street */

void demo_config_demo(demo_config *c, uint64_t seed, person_date today)
{
	memset(c, 0, sizeof *c);
	c->seed = seed;
	c->today = today;
	c->street_no = 1;
	c->w = 5;
	c->h = 4;
	c->residents = 8600;
	c->min_units = 3300;
	c->min_buildings = 64;
	c->grow = true;
	c->network = true;
}

void demo_config_gen(demo_config *c, uint64_t seed, person_date today, int street_no,
                     int32_t residents)
{
	memset(c, 0, sizeof *c);
	c->seed = seed;
	c->today = today;
	c->street_no = street_no;
	c->w = DEMO_PITCH_W;
	c->h = DEMO_PITCH_H;
	/* The last street of a run (or a small run) is only as large as it needs to be: about
	 * 400 residents per grid, plus one grid of slack. */
	if (residents < DEMO_PITCH_W * DEMO_PITCH_H * 400) {
		int grids = (int)(residents / 400) + 2;
		c->h = grids <= 2 * DEMO_PITCH_W ? 2 : grids <= 4 * DEMO_PITCH_W ? 4 : DEMO_PITCH_H;
		c->w = (grids + c->h - 1) / c->h;
		c->w = c->w < 2 ? 2 : c->w > DEMO_PITCH_W ? DEMO_PITCH_W : c->w;
	}
	c->residents = residents;
	c->min_units = 0;
	c->grow = false;
	c->network = false;
}

demo_street *demo_street_build(const demo_config *c, demo_people *pp, gz_err *err)
{
	if (c->street_no < 1 || c->street_no > 999 || c->w < 2 || c->w > DEMO_PITCH_W || c->h < 2 ||
	    c->h > DEMO_PITCH_H || c->residents < 0 || c->residents > 10000000 ||
	    c->min_units < 0 || c->min_units > 10000000 || c->min_buildings < 0 ||
	    c->min_buildings > c->w * c->h * 16 ||
	    !person_date_valid(c->today.year, c->today.month, c->today.day) ||
	    c->today.year < 2000) {
		gz_err_set(err, GZ_EINVALID, "invalid_config", "演示数据配置无效");
		return NULL;
	}
	demo_street *s = gz_calloc(1, sizeof *s);
	demo_rng lr;
	street_rng(&lr, c->seed, c->street_no, ST_LAYOUT);
	layout_street(s, c, &lr);

	/* Buildings: by the compound's age, then more until min_units. */
	grow_t gr = {.s = s};
	for (int32_t gi = 0; gi < s->ngrids; gi++) {
		demo_grid *g = &s->grids[gi];
		int nb = g->kind == DEMO_WALKUP    ? demo_rng_range(&lr, 4, 6)
		         : g->kind == DEMO_MIDRISE ? demo_rng_range(&lr, 3, 4)
		                                   : 2;
		for (int k = 0; k < nb; k++)
			add_building(&gr, c, &lr, gi);
	}
	while (s->nunits < c->min_units || s->nbuildings < c->min_buildings) {
		int32_t gi = emptiest_grid(s);
		if (gi < 0 || !add_building(&gr, c, &lr, gi))
			break;
	}
	populate(s, c, pp, &gr, &lr);
	if (c->network && s->nresidents > 0) {
		build_network(s, c, pp);
		build_accounts(s, c, pp);
	}
	return s;
}

void demo_street_free(demo_street *s)
{
	if (!s)
		return;
	free(s->communities);
	free(s->grids);
	free(s->buildings);
	free(s->units);
	free(s->residents);
	free(s->owners);
	free(s->orgs);
	free(s->members);
	free(s->agreements);
	free(s->party);
	free(s);
}

void demo_street_ages(const demo_street *s, person_date on, int32_t *elderly60, int32_t *elderly80)
{
	int32_t a = 0, b = 0;
	for (int32_t i = 0; i < s->nresidents; i++) {
		int age = person_age(s->residents[i].birth, on);
		a += age >= 60;
		b += age >= 80;
	}
	*elderly60 = a;
	*elderly80 = b;
}
