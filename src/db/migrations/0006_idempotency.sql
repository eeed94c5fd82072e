-- Idempotent retries of creating requests (SPEC §7: "Creating requests accept
-- Idempotency-Key"). One row per (user, route, key): key_hash is BLAKE2b-256 of those,
-- request_hash of the body, so a retry with another body is refused. status is 0 while
-- the first request runs, then the answer's status with its body, replayed to retries
-- for 24 hours (src/api/idempotency.c).
CREATE TABLE idempotency_keys (
    key_hash {{BLOB}} PRIMARY KEY,
    request_hash {{BLOB}} NOT NULL,
    status INTEGER NOT NULL,
    content_type TEXT NOT NULL DEFAULT '',
    body TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
