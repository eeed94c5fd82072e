-- Visits (走访): grid workers and community staff visit households and residents; each
-- key group (resident tag) is visited at a set frequency. docs/METRICS.md "Visits" has
-- the due rule, docs/SECURITY.md who sees what.
--
-- Days are calendar days in Asia/Shanghai counted from 1970-01-01 (day 0), BIGINT: a
-- visit has a date, not an instant. Times are BIGINT milliseconds since the epoch (UTC).

-- One visit, to a resident or to a household (exactly one of the two). grid_code is the
-- grid of the resident or household when the visit was recorded: the scope of the row.
-- visitor_name is the visitor's display name when recorded (a record of who went, kept
-- when the account is renamed); visitor_id is NULL for visits loaded by the command line
-- for someone without an account (demo data).
CREATE TABLE visits (
    id {{ID}},
    grid_code TEXT {{PG:COLLATE "C"}} NOT NULL,
    resident_id BIGINT REFERENCES residents (id),
    household_id BIGINT REFERENCES households (id),
    visited_on BIGINT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('routine', 'care', 'follow_up')),
    findings TEXT NOT NULL DEFAULT '',
    visitor_id BIGINT REFERENCES users (id),
    visitor_name TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    CHECK ((resident_id IS NULL) <> (household_id IS NULL))
);
-- Lists: a scope's visits by grid, newest first within a grid (api/list.c walks it).
CREATE INDEX visits_grid ON visits (grid_code, id DESC);
-- Counts per grid and per visitor over a period: read from the index alone.
CREATE INDEX visits_period ON visits (grid_code, visited_on, visitor_id, resident_id);
-- One resident's or one household's history.
CREATE INDEX visits_resident ON visits (resident_id, visited_on) WHERE resident_id IS NOT NULL;
CREATE INDEX visits_household ON visits (household_id, visited_on) WHERE household_id IS NOT NULL;

-- The last visit of each resident who has been visited (to them, or to their household
-- while they were a member), kept by the code that writes visits in the same
-- transaction: the due list reads one row per key-group resident and never scans visits.
CREATE TABLE visit_last (
    resident_id BIGINT NOT NULL PRIMARY KEY REFERENCES residents (id),
    last_on BIGINT NOT NULL,
    visit_id BIGINT NOT NULL
){{SQLITE: WITHOUT ROWID}};

-- Visit frequencies per resident tag (tag codes as resident_tags and person_tags() name
-- them). scope: '' (everywhere), a street or a community code; the narrowest scope that
-- holds a resident's grid decides. interval_days NULL: no regular visits for that tag
-- there (overrides a wider scope). Changed by visit admins (community_admin,
-- street_supervisor, system_admin) at their scope, audited as visit_frequency.set.
CREATE TABLE visit_frequencies (
    scope TEXT {{PG:COLLATE "C"}} NOT NULL,
    tag_code TEXT {{PG:COLLATE "C"}} NOT NULL,
    interval_days INTEGER CHECK (interval_days IS NULL OR interval_days BETWEEN 1 AND 365),
    updated_at BIGINT NOT NULL,
    updated_by TEXT NOT NULL,
    PRIMARY KEY (scope, tag_code)
);
-- The defaults (民政 practice for 探访关爱: people living alone weekly, the oldest and the
-- disabled elderly every week or two, assistance households monthly).
INSERT INTO visit_frequencies (scope, tag_code, interval_days, updated_at, updated_by) VALUES
    ('', 'living_alone', 7, 0, 'system'),
    ('', 'disabled_elderly', 7, 0, 'system'),
    ('', 'elderly_80', 14, 0, 'system'),
    ('', 'empty_nester', 30, 0, 'system'),
    ('', 'dibao', 30, 0, 'system'),
    ('', 'tekun', 30, 0, 'system'),
    ('', 'disabled', 30, 0, 'system');

INSERT INTO record_counts (name, n) VALUES ('visits', 0);
