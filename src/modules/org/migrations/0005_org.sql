-- The organisation network of 一核多元: organisations (Party line and the other actors),
-- their members and contacts, co-building agreements (共建协议) with their committed
-- resources, and registered Party members with 双报到. docs/ORG.md has the rules.
-- Times are BIGINT milliseconds since the epoch (UTC).
--
-- Scope: every row carries the space code of the place it belongs to (a materialised
-- path, see 0002_space.sql), so "inside scope S" is the indexed range test
--   code >= S AND code < S || '~'.
-- On PostgreSQL the code columns use the "C" collation so that range is a byte range.
--
-- Types, post types and statuses are stable ASCII codes checked by src/domain/org.c
-- (no CHECK constraint: a later type needs no table rebuild on SQLite).
--
-- Record counts ('organisations', 'party_members', 'coop_agreements') are kept by the
-- code that writes the rows, in the same transaction, not by triggers.

-- type: street_party_committee, community_party_committee, grid_party_branch,
-- building_party_group, residents_committee, property_company, owners_committee,
-- social_org, coop_unit, department. space_code: the street, community or grid it
-- serves (a building group: its building's grid). parent_id: the vertical line.
-- credit_code: 统一社会信用代码 (GB 32100-2015), normalised upper-case, optional.
CREATE TABLE organisations (
    id {{ID}},
    type TEXT NOT NULL,
    name TEXT NOT NULL,
    space_code TEXT {{PG:COLLATE "C"}} NOT NULL,
    building_id BIGINT REFERENCES buildings (id),
    parent_id BIGINT REFERENCES organisations (id),
    credit_code TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (space_code, type, name)
);
CREATE INDEX organisations_space ON organisations (space_code, id);
CREATE INDEX organisations_parent ON organisations (parent_id);
CREATE INDEX organisations_type ON organisations (type, space_code);

-- Positions held in an organisation (书记, 委员, 主任, 联络人 ...). A person is a
-- registered resident (resident_id) or an outside person (name, phone). person_key
-- names one person across organisations, for 交叉任职:
--   'r:' || resident_id               a registered resident
--   'p:' || hex(phone_hash)           an outside person with a phone
--   'n:' || name                      an outside person known only by name
-- The phone is stored only sealed (phone_enc, src/core/crypto.h) with its keyed lookup
-- hash; responses mask it. scope_code is the organisation's space_code.
CREATE TABLE org_members (
    id {{ID}},
    org_id BIGINT NOT NULL REFERENCES organisations (id),
    scope_code TEXT {{PG:COLLATE "C"}} NOT NULL,
    resident_id BIGINT REFERENCES residents (id),
    person_key TEXT NOT NULL,
    name TEXT NOT NULL,
    phone_enc {{BLOB}},
    phone_hash {{BLOB}},
    position TEXT NOT NULL,
    is_contact INTEGER NOT NULL DEFAULT 0,
    since BIGINT,
    created_at BIGINT NOT NULL,
    UNIQUE (org_id, person_key, position)
);
CREATE INDEX org_members_scope ON org_members (scope_code, org_id);
CREATE INDEX org_members_person ON org_members (person_key);
CREATE INDEX org_members_resident ON org_members (resident_id);
CREATE INDEX org_members_phone ON org_members (phone_hash);

-- 共建协议 between a co-building unit (an organisation of type coop_unit) and a
-- community. status: draft, active, terminated; in force = active and
-- start_at <= now <= end_at.
CREATE TABLE coop_agreements (
    id {{ID}},
    unit_org_id BIGINT NOT NULL REFERENCES organisations (id),
    community_code TEXT {{PG:COLLATE "C"}} NOT NULL REFERENCES communities (code),
    title TEXT NOT NULL,
    start_at BIGINT NOT NULL,
    end_at BIGINT NOT NULL,
    status TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    CHECK (end_at >= start_at)
);
CREATE INDEX coop_agreements_community ON coop_agreements (community_code, id);
CREATE INDEX coop_agreements_unit ON coop_agreements (unit_org_id);

-- Committed resources, e.g. 志愿服务 120 小时. scope_code is the agreement's community.
CREATE TABLE coop_commitments (
    id {{ID}},
    agreement_id BIGINT NOT NULL REFERENCES coop_agreements (id),
    scope_code TEXT {{PG:COLLATE "C"}} NOT NULL,
    item TEXT NOT NULL,
    quantity BIGINT NOT NULL CHECK (quantity >= 0),
    unit TEXT NOT NULL
);
CREATE INDEX coop_commitments_agreement ON coop_commitments (agreement_id, id);
CREATE INDEX coop_commitments_scope ON coop_commitments (scope_code);

-- Registered Party members. party_org_id: their Party organisation (the vertical line;
-- a Party-line organisation or a unit hosting its own). 双报到: the community where
-- they reported, the grid they serve in (optional), the post type (organisation,
-- legal, employment_aid, governance, health, culture_sports, patrol, other) and when.
-- employer_org_id: the organisation standing for their employer's Party organisation.
-- Two scope columns, because the record belongs to two places: org_scope (the Party
-- organisation's space_code) and report_scope (the reported grid, else community;
-- NULL when not reported). A caller sees a row when either lies inside their scope.
CREATE TABLE party_members (
    id {{ID}},
    resident_id BIGINT REFERENCES residents (id),
    name TEXT NOT NULL,
    party_org_id BIGINT NOT NULL REFERENCES organisations (id),
    org_scope TEXT {{PG:COLLATE "C"}} NOT NULL,
    reported_community_code TEXT {{PG:COLLATE "C"}} REFERENCES communities (code),
    reported_grid_code TEXT {{PG:COLLATE "C"}} REFERENCES grids (code),
    report_scope TEXT {{PG:COLLATE "C"}},
    post_type TEXT,
    employer_org_id BIGINT REFERENCES organisations (id),
    reported_at BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX party_members_resident ON party_members (resident_id);
CREATE INDEX party_members_org_scope ON party_members (org_scope, id);
CREATE INDEX party_members_report_scope ON party_members (report_scope, id);
CREATE INDEX party_members_grid ON party_members (reported_grid_code);
CREATE INDEX party_members_party_org ON party_members (party_org_id);
CREATE INDEX party_members_employer ON party_members (employer_org_id);

INSERT INTO record_counts (name, n) VALUES ('organisations', 0);
INSERT INTO record_counts (name, n) VALUES ('party_members', 0);
INSERT INTO record_counts (name, n) VALUES ('coop_agreements', 0);
