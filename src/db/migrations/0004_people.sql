-- Property and people: units (专有部分) in buildings, households, residents.
-- Times are BIGINT milliseconds since the epoch (UTC). Areas are BIGINT in 0.01 m^2.
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
--
-- Record counts for these tables are kept by the code that writes them (one
-- UPDATE record_counts per transaction, also for bulk imports of a million rows),
-- not by per-row triggers.

CREATE TABLE units (
    id {{ID}},
    building_id BIGINT NOT NULL REFERENCES buildings (id),
    grid_code TEXT {{PG:COLLATE "C"}} NOT NULL,
    number TEXT NOT NULL,              -- 房号 as written on the property certificate, e.g. 3-2-501
    area_cm2 BIGINT NOT NULL CHECK (area_cm2 > 0), -- exclusive-part area, 0.01 m^2
    sold INTEGER NOT NULL DEFAULT 1,   -- 0: unsold, still held by the developer
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (building_id, number)
);
CREATE INDEX units_grid ON units (grid_code, id);

-- Owners of a unit. owner_key identifies one owner across units for counting owners'
-- votes (one buyer owning several parts counts once; all unsold parts of the developer
-- count as one): 'id:' || hex(id_hash) for a natural person with an ID number,
-- 'developer' for unsold parts, 'org:' || credit code for a company. resident_id is
-- set when the owner is also a registered resident.
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
    id_hash {{BLOB}},
    sensitive_tags_enc {{BLOB}},            -- encrypted JSON array of sensitive tag codes
    user_id BIGINT REFERENCES users (id),   -- the resident's own account, if any
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    deleted_at BIGINT
);
CREATE UNIQUE INDEX residents_id_hash ON residents (id_hash);
CREATE INDEX residents_phone_hash ON residents (phone_hash);
CREATE INDEX residents_grid ON residents (grid_code, id);
CREATE INDEX residents_household ON residents (household_id);
CREATE INDEX residents_user ON residents (user_id);

-- Tags for filtering without decrypting: tag_key is the tag code for ordinary tags
-- (独居老人 'living_alone', ...) and 'h:' || hex(keyed hash of the code) for sensitive
-- ones (残疾, 低保, ...), a blind index: the file alone does not say who is disabled.
CREATE TABLE resident_tags (
    resident_id BIGINT NOT NULL REFERENCES residents (id),
    tag_key TEXT NOT NULL,
    grid_code TEXT {{PG:COLLATE "C"}} NOT NULL,
    PRIMARY KEY (resident_id, tag_key)
);
CREATE INDEX resident_tags_key ON resident_tags (tag_key, grid_code, resident_id);

INSERT INTO record_counts (name, n) VALUES ('units', 0);
INSERT INTO record_counts (name, n) VALUES ('households', 0);
INSERT INTO record_counts (name, n) VALUES ('residents', 0);
