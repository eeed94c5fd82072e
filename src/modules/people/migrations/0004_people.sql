-- Property and people: units (专有部分) in buildings, households, residents.
-- Times are BIGINT milliseconds since the epoch (UTC). Areas are BIGINT in 0.01 m^2
-- (1 dm^2, as grids.area_dm2).
--
-- Scope: every row carries the grid_code of the place it belongs to (a materialised
-- path, see 0002_space.sql), so "inside scope S" is the indexed range test
--   grid_code >= S AND grid_code < S || '~'.
--
-- Personal information (个人信息保护法): phone, ID number, birth date and sensitive
-- tags are stored only encrypted (columns *_enc: libsodium secretbox, nonce||MAC||
-- ciphertext, see src/core/crypto.h). Exact lookup uses keyed BLAKE2b hashes (*_hash)
-- of the normalised value, so no query ever decrypts a table. Names stay in clear for
-- search and sorting, and are masked in responses outside the resident's grid.
-- docs/SECURITY.md "Personal data" has the rules.
--
-- Record counts for these tables are kept by the code that writes them (one
-- UPDATE record_counts per transaction, also for bulk imports of a million rows),
-- not by per-row triggers.

CREATE TABLE units (
    id {{ID}},
    building_id BIGINT NOT NULL REFERENCES buildings (id),
    grid_code TEXT {{PG:COLLATE "C"}} NOT NULL,
    number TEXT NOT NULL,              -- 房号 as written on the property certificate, e.g. 3-2-501
    area_dm2 BIGINT NOT NULL CHECK (area_dm2 > 0), -- exclusive-part area, 0.01 m^2
    sold INTEGER NOT NULL DEFAULT 1,   -- 0: unsold, still held by the developer
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (building_id, number)
);
CREATE INDEX units_grid ON units (grid_code, id);

-- Owners of a unit. owner_key identifies one owner across units for counting owners'
-- votes (one buyer owning several parts counts once; all unsold parts of the developer
-- count as one): 'id:' || hex(keyed hash of the ID number) for a natural person with an
-- ID number (the number itself is not stored: identity at a meeting is checked by
-- hashing the presented number), 'developer' for unsold parts, 'name:' || unit id ||
-- ':' || name for a person recorded without an ID number (counted per unit: without the
-- number two namesakes cannot be told apart). resident_id is set when the owner is also
-- a registered resident.
CREATE TABLE unit_owners (
    unit_id BIGINT NOT NULL REFERENCES units (id),
    owner_key TEXT NOT NULL,
    owner_name TEXT NOT NULL,
    resident_id BIGINT,
    PRIMARY KEY (unit_id, owner_key)
);
CREATE INDEX unit_owners_key ON unit_owners (owner_key);

CREATE TABLE households (
    id {{ID}},
    unit_id BIGINT REFERENCES units (id),   -- NULL when the household rents or lives outside a registered unit
    grid_code TEXT {{PG:COLLATE "C"}} NOT NULL,
    address TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX households_grid ON households (grid_code, id);
CREATE INDEX households_unit ON households (unit_id);
-- The import finds the household of an address within a grid.
CREATE INDEX households_address ON households (grid_code, address);

-- tags: the resident's ordinary (not sensitive) tag codes, comma-separated, for display
-- without a join; resident_tags below is what filters use. birth_date_enc is NULL when
-- the ID number is stored (the birth date is read from it). phone_hash is the keyed hash
-- of the phone (as org_members has it); lookups go through the key tables below.
CREATE TABLE residents (
    id {{ID}},
    household_id BIGINT REFERENCES households (id),
    grid_code TEXT {{PG:COLLATE "C"}} NOT NULL,
    name TEXT NOT NULL,
    gender TEXT NOT NULL DEFAULT '',        -- '男', '女' or '' (unknown)
    relation TEXT NOT NULL DEFAULT '',      -- relation to the household head: 户主, 配偶, ...
    birth_date_enc {{BLOB}},
    phone_enc {{BLOB}},
    phone_hash {{BLOB}},
    id_number_enc {{BLOB}},
    sensitive_tags_enc {{BLOB}},            -- encrypted JSON array of sensitive tag codes
    tags TEXT NOT NULL DEFAULT '',
    user_id BIGINT REFERENCES users (id),   -- the resident's own account, if any
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    deleted_at BIGINT
);
CREATE INDEX residents_grid ON residents (grid_code, id);
CREATE INDEX residents_household ON residents (household_id) WHERE household_id IS NOT NULL;
-- One record per account (self-service, GET /api/v1/me/resident).
CREATE UNIQUE INDEX residents_user ON residents (user_id) WHERE user_id IS NOT NULL;

-- Exact lookup by ID number and by phone: the first 16 bytes of the keyed hash of the
-- normalised value (src/core/crypto.h; 128 bits, so two different numbers never share
-- a key in practice: ~n^2 / 2^129) -> resident. Tables of their own rather than indexes
-- on residents because a bulk import fills them in key order after the rows, many keys
-- per statement, where an index on residents would take a million keys in random order
-- (bench/import.sh, docs/METRICS.md). Kept in step with residents by the code that
-- writes them. The primary key of resident_id_keys makes an ID number unique.
CREATE TABLE resident_id_keys (
    id_key {{BLOB}} NOT NULL PRIMARY KEY,
    resident_id BIGINT NOT NULL
){{SQLITE: WITHOUT ROWID}};
CREATE TABLE resident_phone_keys (
    phone_key {{BLOB}} NOT NULL,
    resident_id BIGINT NOT NULL,
    PRIMARY KEY (phone_key, resident_id)
){{SQLITE: WITHOUT ROWID}};

-- Tags for filtering without decrypting: tag_key is the tag code for ordinary tags
-- (独居老人 'living_alone', ...) and 'h:' || hex(keyed hash of 'tag:' || code) for
-- sensitive ones (残疾, 低保, ...), a blind index: the file alone does not say who is
-- disabled (equal tags give equal keys, so it does show who shares some hidden tag).
CREATE TABLE resident_tags (
    resident_id BIGINT NOT NULL REFERENCES residents (id),
    tag_key TEXT NOT NULL,
    grid_code TEXT {{PG:COLLATE "C"}} NOT NULL,
    PRIMARY KEY (resident_id, tag_key)
){{SQLITE: WITHOUT ROWID}};
CREATE INDEX resident_tags_key ON resident_tags (tag_key, grid_code, resident_id);

-- Tags a deployment adds to the built-in table (src/domain/person.c). code: 1..32 of
-- a-z 0-9 _; label: the Chinese name shown and accepted on import. New tags default to
-- sensitive (PIPL art. 28: when in doubt, protect).
CREATE TABLE resident_tag_defs (
    code TEXT PRIMARY KEY,
    label TEXT NOT NULL UNIQUE,
    sensitive INTEGER NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL
);

-- Reports of imports that found problems, so the row-by-row list can be downloaded
-- (GET /api/v1/imports/{id}/report.xlsx) by the user who ran the import. report is the
-- JSON report: row, column, reason per problem — never a cell's value.
CREATE TABLE import_reports (
    id {{ID}},
    kind TEXT NOT NULL,                     -- 'residents' or 'units'
    user_id BIGINT REFERENCES users (id),
    created_at BIGINT NOT NULL,
    rows BIGINT NOT NULL,
    error_count BIGINT NOT NULL,
    report TEXT NOT NULL
);
CREATE INDEX import_reports_created ON import_reports (created_at);

INSERT INTO record_counts (name, n) VALUES ('units', 0);
INSERT INTO record_counts (name, n) VALUES ('households', 0);
INSERT INTO record_counts (name, n) VALUES ('residents', 0);
