/* Time inside gongzhi is int64 milliseconds since the Unix epoch, UTC. Formatting
 * happens only at the edges: RFC 3339 UTC in the API. */
#ifndef GZ_CORE_TIME_H
#define GZ_CORE_TIME_H

#include <stddef.h>
#include <stdint.h>

/* Wall clock, ms since epoch. */
int64_t gz_time_now_ms(void);
/* Monotonic clock in nanoseconds, for measuring durations. */
int64_t gz_time_mono_ns(void);

/* Writes "2026-11-29T02:23:45Z" (seconds precision when ms%1000==0, else
 * "...45.123Z") into buf (at least 32 bytes). Returns buf. */
char *gz_time_rfc3339(int64_t ms, char *buf, size_t size);

/* Parses RFC 3339 with a zone ("Z" or +hh:mm); fractional seconds up to ms.
 * Returns 0 and sets *ms, or -1 on malformed input. */
int gz_time_parse_rfc3339(const char *s, int64_t *ms);

/* Days since 1970-01-01 of a proleptic Gregorian date (m 1..12, d 1..31, not checked), and
 * back. */
int64_t gz_time_days_from_civil(int64_t y, unsigned m, unsigned d);
void gz_time_civil_from_days(int64_t days, int *y, int *m, int *d);

#endif
