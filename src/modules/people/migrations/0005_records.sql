-- Residents' records kept by hand (issue 9, "Resident records kept by hand"): whether a
-- resident is still in the register, the history of every change, exact counts per
-- grid, and the index the address search uses. docs/SECURITY.md "Personal data" and
-- src/modules/people/history.c have the rules.

-- status: 'active' (在册), 'moved_out' (已迁出), 'deceased' (已故). status_date is the
-- date of the move-out or the death ('YYYY-MM-DD'), status_reason the move-out's reason;
-- both NULL while active. Lists, counts and the 户卡 show active residents unless asked
-- (?status=); the record and its history stay.
ALTER TABLE residents ADD COLUMN status TEXT NOT NULL DEFAULT 'active';
ALTER TABLE residents ADD COLUMN status_date TEXT;
ALTER TABLE residents ADD COLUMN status_reason TEXT;
-- The few residents who left, for ?status=moved_out|deceased|left without walking the
-- register (the query carries the same "status <> 'active'" term, so both drivers use it).
CREATE INDEX residents_left ON residents (grid_code, id) WHERE status <> 'active';

-- Every change to a resident made by hand (create, edit, move within the street, move
-- out, move back in, death, household change, the resident's own corrections): who
-- (user_id / username as in audit_log, the command line as 'cli'), when, which field,
-- old -> new. One row per changed field; rows of one change share at, request_id and
-- action. Values of personal data (phone, id_number, birth_date, sensitive_tags) are
-- sealed like the resident's own columns (old_enc / new_enc, src/core/crypto.h) and the
-- clear columns are NULL; every other field is in clear (old_value / new_value). NULL on
-- both sides of a value = none. Imports write one audit row, not a history row per
-- resident (a million rows), so an imported record's history starts at its created_at.
CREATE TABLE resident_history (
    id {{ID}},
    resident_id BIGINT NOT NULL REFERENCES residents (id),
    at BIGINT NOT NULL,
    user_id BIGINT REFERENCES users (id),
    username TEXT NOT NULL,
    request_id TEXT NOT NULL DEFAULT '',
    action TEXT NOT NULL,
    field TEXT NOT NULL,
    old_value TEXT,
    new_value TEXT,
    old_enc {{BLOB}},
    new_enc {{BLOB}}
);
CREATE INDEX resident_history_resident ON resident_history (resident_id, id);

-- Residents per grid and status, kept exact by the code that writes residents (in the
-- same transaction, like record_counts), so the total of any scope is a sum over its
-- grids and no list counts rows. record_counts keeps the same three figures for the
-- whole database: 'residents' (active), 'residents_moved_out', 'residents_deceased'.
CREATE TABLE resident_counts (
    grid_code TEXT {{PG:COLLATE "C"}} NOT NULL,
    status TEXT NOT NULL,
    n BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (grid_code, status)
){{SQLITE: WITHOUT ROWID}};
INSERT INTO resident_counts (grid_code, status, n)
    SELECT grid_code, 'active', COUNT(*) FROM residents WHERE deleted_at IS NULL GROUP BY grid_code;
INSERT INTO record_counts (name, n) VALUES ('residents_moved_out', 0);
INSERT INTO record_counts (name, n) VALUES ('residents_deceased', 0);

-- Search by unit number ("3-2-102"): equality only, so the collation does not matter.
CREATE INDEX units_number ON units (number, grid_code);
