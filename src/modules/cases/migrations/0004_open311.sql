-- Open311 GeoReport v2 (src/modules/cases/open311.c): the client applications that may
-- post requests, each with its api_key. Only the key's BLAKE2b-256 hash is stored;
-- `gongzhi apikey add NAME` prints the key once. revoked_at set: the key is refused.
CREATE TABLE open311_clients (
    id {{ID}},
    name TEXT {{PG:COLLATE "C"}} NOT NULL UNIQUE,
    key_hash {{BLOB}} NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    revoked_at BIGINT
);

-- GET requests.{f} over every place: a period of at most 90
-- days, newest first.
CREATE INDEX cases_reported ON cases (reported_at, id);
-- servicerequestupdates.{f}: the timeline's events of a period, oldest first.
CREATE INDEX case_events_at ON case_events (at, id);
