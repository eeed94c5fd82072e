/* Equity measures of the sharing module (共享): per-capita service, the Gini coefficient
 * and the Theil index across grids (with Theil's between/within decomposition by
 * community), the Lorenz curve, coverage of a vulnerable group and the suppression of
 * small groups. Pure: no I/O, no clock. docs/METRICS.md "Equity" has every formula and
 * the exact arithmetic and rounding; tests/unit/test_sharing.c checks them on fixtures
 * computed by hand.
 *
 * A unit is a grid: x its amount of service over the period (visits, minutes, cases
 * closed: whole numbers ≥ 0) and p its residents (≥ 0). Units with p = 0 have no
 * per-capita value and are left out of every measure across units (the caller counts
 * them apart). */
#ifndef GZ_MODULES_SHARING_EQUITY_H
#define GZ_MODULES_SHARING_EQUITY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Groups of fewer people than this are answered as suppressed (no figure), so that no
 * individual can be singled out. */
#define SHARING_MIN_GROUP 5

typedef struct {
	int64_t x; /* service in the unit over the period, ≥ 0 */
	int64_t p; /* residents of the unit, ≥ 0 */
	int group; /* the community it belongs to: 0..ngroups-1 (Theil's decomposition) */
} sharing_unit;

/* num / den × 10^decimals rounded half up, written as a decimal string with `decimals`
 * digits after the point ("0.2500", "71.4"). num ≥ 0, den > 0, decimals 0..9. Returns
 * false (out = "") when den ≤ 0 or num < 0. out holds at least 48 bytes. */
bool sharing_decimal(int64_t num, int64_t den, int decimals, char *out, size_t cap);

/* Per-capita value of a unit: x / p with 3 decimals (sharing_decimal). False when p = 0. */
bool sharing_per_capita(int64_t x, int64_t p, char *out, size_t cap);

/* Percent num / den × 100 with one decimal, rounded half up ("71.4"). False when den = 0. */
bool sharing_percent(int64_t num, int64_t den, char *out, size_t cap);

/* The population-weighted Gini coefficient of per-capita service y = x / p across the
 * units with p > 0: every resident carries their unit's y, so
 *     G = Σ_i Σ_j |x_i p_j − x_j p_i| / (2 N X),   N = Σ p, X = Σ x,
 * computed exactly in integers: with the units sorted by y ascending,
 *     G = S / (N X),   S = Σ_j (x_j P_j − p_j X_j)  (P_j, X_j: sums over the units before j).
 * Equal per-capita service gives 0; everything in one of n units of equal population
 * gives (n − 1) / n. S and N X are 128-bit integers; gini gets S / (N X) with 4
 * decimals, rounded half up. Returns false when X = 0 or N = 0 (undefined: nothing to
 * distribute), with gini = "". */
bool sharing_gini(const sharing_unit *u, size_t n, char *gini, size_t cap);

/* Theil's T index of per-capita service across the units with p > 0, and its
 * decomposition by community (group):
 *     T       = Σ_g s_g ln(s_g / q_g),         s_g = x_g / X, q_g = p_g / N
 *     between = Σ_c s_c ln(s_c / q_c),         s_c, q_c the community's shares
 *     within  = Σ_c s_c T_c,  T_c the community's own index over its grids
 * (terms with s = 0 are 0). Computed in long double; then total and between are rounded
 * half away from zero to micro-units (10^-6) and within is DEFINED as total − between in
 * those integers, so between + within = total exactly; within differs from its own
 * rounding by at most 1 micro-unit (|within_direct − within| is checked by the tests).
 * group_t (may be NULL) receives T_c per community, ngroups entries, in micro-units
 * (rounded; -1 for a community with no service or no residents). */
typedef struct {
	int64_t total, between, within; /* micro-units: 10^-6 */
	long double total_exact, between_exact, within_exact;
} sharing_theil_t;

bool sharing_theil(const sharing_unit *u, size_t n, int ngroups, sharing_theil_t *out,
                   int64_t *group_t);

/* Micro-units as a decimal string with 6 decimals ("0.123456", "-0.000001"). */
void sharing_micro_str(int64_t micro, char *out, size_t cap);

/* The Lorenz curve of per-capita service: the units with p > 0 sorted by y ascending
 * (ties by index), point k (k = 0..m) = (cumulative population share, cumulative service
 * share) after the first k units, in units of 10^-4 rounded half up (the last point is
 * (10000, 10000)). pop and svc hold n + 1 entries; returns the number of points written
 * (m + 1), or 0 when X = 0 or N = 0. */
size_t sharing_lorenz(const sharing_unit *u, size_t n, int32_t *pop, int32_t *svc);

/* Coverage of a group: reached of members, as a percent (one decimal). Returns 1 with pct
 * set, 0 when the group is suppressed (members < SHARING_MIN_GROUP: pct = ""), -1 when
 * reached is not within 0..members. */
int sharing_coverage(int64_t reached, int64_t members, char *pct, size_t cap);

/* The median of n durations in ms (reordered in place; a negative duration counts as 0), in
 * whole seconds rounded half up: n odd → the middle value; n even → the mean of the two
 * middle values (a + b) / 2. One rounding: ⌊(v + 500) / 1000⌋ or ⌊(a + b + 1000) / 2000⌋.
 * Returns -1 (suppressed) when n < SHARING_MIN_GROUP. */
int64_t sharing_median_s(int64_t *ms, size_t n);

/* The same median as sharing_median_s over the concatenation of m arrays, each sorted
 * ascending (v[i] holds n[i] values; a negative value counts as 0), without copying or
 * reordering them: the k-th smallest by bisection on the value, counting with a binary
 * search in each array (O(m log n log range)). Used for a node's median from its grids'
 * sorted durations (memo.c). Returns -1 (suppressed) when Σ n < SHARING_MIN_GROUP. */
int64_t sharing_median_sorted_s(const int64_t *const *v, const size_t *n, size_t m);

/* True when a group of n people is too small to be shown (n < SHARING_MIN_GROUP). */
bool sharing_suppressed(int64_t n);

#endif
