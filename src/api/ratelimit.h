/* Rate limits kept in the database (table rate_limits, 0007_rate_limits.sql), so every
 * server process sharing it counts alike. One generic counter — a key, a fixed window,
 * a maximum — and, on top of it, the per-account limit on comparing personal data
 * against the register (docs/SECURITY.md, "Threat model: an insider with a low role
 * enumerates personal data"). */
#ifndef GZ_API_RATELIMIT_H
#define GZ_API_RATELIMIT_H

#include "api/auth.h"
#include "core/err.h"
#include "db/db.h"
#include "http/http.h"

#include <stdbool.h>
#include <stdint.h>

/* Takes n from key's budget of max per window_ms: when the key's current window (a
 * fresh one if it has closed) has room for n more (for n == 0: room for one more), adds
 * n and returns 0; otherwise adds nothing and returns 1 with *retry_ms (may be NULL) the
 * milliseconds until the window closes. Atomic across processes (one UPSERT). Runs in
 * the caller's open transaction if there is one, else on its own. Returns -1 with err on
 * a database error. */
int gz_ratelimit_take(gz_db *db, const char *key, int64_t n, int64_t max, int64_t window_ms,
                      int64_t *retry_ms, gz_err *err);

/* The personal-data limit: at most GONGZHI_PII_LOOKUP_LIMIT values (ID numbers, phones)
 * compared against the database per account per GONGZHI_PII_LOOKUP_WINDOW_S seconds
 * (defaults 20000 per 3600 s). Read from the environment at each call. */
int64_t gz_ratelimit_pii_max(void);
int64_t gz_ratelimit_pii_window_ms(void);

/* Charges n compared values to actor a's account (key "pii:u:<user id>"); what names the
 * request for the audit ("resident.import", "unit.create", "resident.lookup", ...).
 * Returns 0 when within the limit. Returns 1 when refused: nothing is charged, err is
 * 429 "too_many_lookups", a's request carries Retry-After, and the refusal is audited
 * ("pii.rate_limited", detail {what, values, limit, window_s}, never a value) in a short
 * transaction of its own. in_tx says the caller has a transaction open on db: the charge
 * then runs in it (and commits or vanishes with the caller's change), and a refusal
 * first rolls it back. The operator (the command line) is never limited. Returns -1
 * with err on a database error. */
int gz_ratelimit_pii(const gz_actor *a, gz_db *db, const char *what, int64_t n, bool in_tx,
                     gz_err *err);

#endif
