-- Core tables of the platform. Times are BIGINT milliseconds since the epoch (UTC).

-- Exact record counts for the dashboard, kept by triggers in the same transaction as
-- the rows they count, so reading them never scans a table (a whole city's data).
CREATE TABLE record_counts (
    name TEXT PRIMARY KEY,
    n BIGINT NOT NULL DEFAULT 0
);

-- Key/value facts about this installation (e.g. when it was created).
CREATE TABLE app_meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- A probe table for storage checks: tests and benchmarks write and read it through
-- the API (/api/v1/probes) to prove durability and transaction behaviour on both
-- drivers.
CREATE TABLE probes (
    id {{ID}},
    label TEXT NOT NULL UNIQUE,
    payload TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
