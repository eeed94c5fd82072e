-- 党员积分: settings per Party branch and the entries a branch records (docs/METRICS.md
-- "Party member points"). A branch is the Party organisation of registered Party members
-- (party_members.party_org_id). A member's points of a year are derived, never stored:
-- the branch's settings applied to the year's service hours and entries.

-- The settings of a branch: rule base, service_hour, duty, meeting, deduction_max
-- (rules.c); a rule without a row takes its default.
CREATE TABLE party_point_rules (
    branch_org_id BIGINT NOT NULL REFERENCES organisations (id),
    rule TEXT NOT NULL,
    points BIGINT NOT NULL CHECK (points >= 0),
    updated_at BIGINT NOT NULL,
    updated_by BIGINT REFERENCES users (id),
    PRIMARY KEY (branch_org_id, rule)
);

-- What a branch records for a member, append-only: kind duty (a 双报到 duty done),
-- meeting (组织生活 attended), deduction (points taken, with a reason). note: what it
-- was; at: when (its year is the year it counts in); branch_org_id and scope_code: the
-- member's branch and its place when recorded.
CREATE TABLE party_point_entries (
    id {{ID}},
    party_member_id BIGINT NOT NULL REFERENCES party_members (id),
    branch_org_id BIGINT NOT NULL REFERENCES organisations (id),
    scope_code TEXT {{PG:COLLATE "C"}} NOT NULL,
    kind TEXT NOT NULL,
    points BIGINT NOT NULL DEFAULT 0 CHECK (points >= 0),
    note TEXT NOT NULL,
    reason TEXT,
    at BIGINT NOT NULL,
    recorded_by BIGINT REFERENCES users (id),
    recorded_at BIGINT NOT NULL
);
CREATE INDEX party_point_entries_member ON party_point_entries (party_member_id, at);
CREATE INDEX party_point_entries_branch ON party_point_entries (branch_org_id, at);
