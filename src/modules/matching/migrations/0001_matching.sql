-- Supply–demand matching (供需对接, issue 11): the needs list (需求清单), the resources list
-- (资源清单), matching runs and their proposals (社区派单), and the projects list (项目清单).
-- docs/MATCHING.md has the flow and the priority rule, docs/SECURITY.md who sees what.
-- Times are BIGINT milliseconds since the epoch (UTC); points are lng/lat in 1e-7
-- degrees (as buildings); money in fen. Scope columns are space codes compared as byte
-- ranges, hence COLLATE "C" on PostgreSQL.

-- Settings (scope '' = everywhere; the run reads scope ''): B and lambda of the
-- objective, the waiting-time part of the weight (one point per wait_days days waited,
-- at most wait_max), one weight per resident tag ("tag:<code>"), and how often the
-- scheduled runs run (run_every_hours; 0: staff run matching by hand).
CREATE TABLE match_settings (
    scope TEXT {{PG:COLLATE "C"}} NOT NULL,
    name TEXT {{PG:COLLATE "C"}} NOT NULL,
    value BIGINT NOT NULL CHECK (value >= 0),
    updated_at BIGINT NOT NULL,
    updated_by TEXT NOT NULL,
    PRIMARY KEY (scope, name)
);
INSERT INTO match_settings (scope, name, value, updated_at, updated_by) VALUES
    ('', 'B', 3000, 0, 'system'),
    ('', 'lambda', 300, 0, 'system'),
    ('', 'wait_days', 7, 0, 'system'),
    ('', 'wait_max', 4, 0, 'system'),
    ('', 'run_every_hours', 0, 0, 'system'),
    ('', 'tag:living_alone', 3, 0, 'system'),
    ('', 'tag:disabled_elderly', 3, 0, 'system'),
    ('', 'tag:tekun', 3, 0, 'system'),
    ('', 'tag:elderly_80', 2, 0, 'system'),
    ('', 'tag:dibao', 2, 0, 'system'),
    ('', 'tag:disabled', 2, 0, 'system'),
    ('', 'tag:empty_nester', 1, 0, 'system'),
    ('', 'tag:entitled_group', 1, 0, 'system');

-- A need (点单 / 微心愿). grid_code: the resident's grid when posted (the row's scope).
-- Location: the resident's unit (its building's point) or a point given. Window: when it
-- may be served (window_end past: expired by the job). status: open, proposed, taken,
-- done, rated, cancelled, expired (rules.c). offer_id: the provider while proposed,
-- taken, done, rated. minutes: the hours recorded when done; rating 1..5 by the resident.
CREATE TABLE match_needs (
    id {{ID}},
    grid_code TEXT {{PG:COLLATE "C"}} NOT NULL,
    resident_id BIGINT NOT NULL REFERENCES residents (id),
    posted_by BIGINT REFERENCES users (id),
    posted_by_name TEXT NOT NULL,
    kind TEXT NOT NULL,
    skill TEXT NOT NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    unit_id BIGINT REFERENCES units (id),
    lng_e7 BIGINT NOT NULL,
    lat_e7 BIGINT NOT NULL,
    window_start BIGINT NOT NULL,
    window_end BIGINT NOT NULL,
    est_minutes BIGINT NOT NULL CHECK (est_minutes BETWEEN 1 AND 10080),
    status TEXT NOT NULL,
    offer_id BIGINT,
    minutes BIGINT,
    rating BIGINT CHECK (rating IS NULL OR rating BETWEEN 1 AND 5),
    rating_comment TEXT NOT NULL DEFAULT '',
    points BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    CHECK (window_end > window_start)
);
CREATE INDEX match_needs_grid ON match_needs (grid_code, id);
CREATE INDEX match_needs_status ON match_needs (status, window_end);
CREATE INDEX match_needs_resident ON match_needs (resident_id, id);
CREATE INDEX match_needs_offer ON match_needs (offer_id, status) WHERE offer_id IS NOT NULL;

-- An offer (资源): by a person (Party member, volunteer: user_id) or a co-building unit
-- (org_id; user_id then the account that answers its proposals). scope_code: the grid,
-- community or street it serves (the row's scope). skills: JSON array of strings.
-- Service area: radius_m around the base point, or grids (JSON array of grid codes: a
-- need in one of them is in reach whatever the distance). windows: JSON array of
-- {weekday 1..7, from "HH:MM", to "HH:MM"}. items: a unit's venues, goods and funds,
-- JSON array of {kind, name, quantity}. status: active, withdrawn.
CREATE TABLE match_offers (
    id {{ID}},
    scope_code TEXT {{PG:COLLATE "C"}} NOT NULL,
    kind TEXT NOT NULL,
    user_id BIGINT NOT NULL REFERENCES users (id),
    org_id BIGINT REFERENCES organisations (id),
    name TEXT NOT NULL,
    skills TEXT NOT NULL,
    capacity_per_week BIGINT NOT NULL CHECK (capacity_per_week BETWEEN 0 AND 100),
    radius_m BIGINT NOT NULL CHECK (radius_m BETWEEN 0 AND 100000),
    lng_e7 BIGINT NOT NULL,
    lat_e7 BIGINT NOT NULL,
    grids TEXT NOT NULL DEFAULT '[]',
    windows TEXT NOT NULL DEFAULT '[]',
    items TEXT NOT NULL DEFAULT '[]',
    status TEXT NOT NULL,
    created_by BIGINT REFERENCES users (id),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX match_offers_scope ON match_offers (scope_code, id);
CREATE INDEX match_offers_user ON match_offers (user_id, id);

-- A matching run over one community: the settings it used and the objective's parts.
CREATE TABLE match_runs (
    id {{ID}},
    scope_code TEXT {{PG:COLLATE "C"}} NOT NULL,
    b BIGINT NOT NULL,
    lambda BIGINT NOT NULL,
    needs_n BIGINT NOT NULL,
    offers_n BIGINT NOT NULL,
    pairs_n BIGINT NOT NULL,
    objective BIGINT NOT NULL,
    distance BIGINT NOT NULL,
    load_cost BIGINT NOT NULL,
    priority BIGINT NOT NULL,
    run_by BIGINT REFERENCES users (id),
    run_by_name TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX match_runs_scope ON match_runs (scope_code, id);

-- One row per community that has been run: a run takes its row's lock first (an upsert),
-- so two runs of one community (two processes on PostgreSQL) follow each other and the
-- second reads the needs the first proposed as taken.
CREATE TABLE match_run_locks (
    scope_code TEXT {{PG:COLLATE "C"}} NOT NULL PRIMARY KEY,
    last_run_at BIGINT NOT NULL
);

-- A proposal (need, offer) of a run, with its reasons. status: proposed, accepted,
-- declined, withdrawn (the need was cancelled, expired or reassigned by hand). A
-- declined pair is never proposed again.
CREATE TABLE match_proposals (
    id {{ID}},
    run_id BIGINT REFERENCES match_runs (id),
    need_id BIGINT NOT NULL REFERENCES match_needs (id),
    offer_id BIGINT NOT NULL REFERENCES match_offers (id),
    grid_code TEXT {{PG:COLLATE "C"}} NOT NULL,
    distance_m BIGINT NOT NULL,
    weight BIGINT NOT NULL,
    load_k BIGINT NOT NULL,
    reasons TEXT NOT NULL DEFAULT '{}',
    status TEXT NOT NULL,
    decline_reason TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    decided_at BIGINT
);
CREATE INDEX match_proposals_run ON match_proposals (run_id, id);
CREATE INDEX match_proposals_need ON match_proposals (need_id, offer_id, status);
CREATE INDEX match_proposals_offer ON match_proposals (offer_id, status, id);

-- A project (项目清单): a larger need become a community project. status: planning,
-- running, completed. budget in fen. report: the completion report.
CREATE TABLE match_projects (
    id {{ID}},
    scope_code TEXT {{PG:COLLATE "C"}} NOT NULL,
    need_id BIGINT REFERENCES match_needs (id),
    title TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    budget_fen BIGINT NOT NULL CHECK (budget_fen >= 0),
    status TEXT NOT NULL,
    report TEXT NOT NULL DEFAULT '',
    created_by BIGINT REFERENCES users (id),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    completed_at BIGINT
);
CREATE INDEX match_projects_scope ON match_projects (scope_code, id);

-- A co-building unit's commitment to a project, under one of its 共建协议.
CREATE TABLE match_commitments (
    id {{ID}},
    project_id BIGINT NOT NULL REFERENCES match_projects (id),
    org_id BIGINT NOT NULL REFERENCES organisations (id),
    agreement_id BIGINT,
    content TEXT NOT NULL,
    amount_fen BIGINT NOT NULL DEFAULT 0 CHECK (amount_fen >= 0),
    created_at BIGINT NOT NULL
);
CREATE INDEX match_commitments_project ON match_commitments (project_id, id);

-- A project's milestones, in due order.
CREATE TABLE match_milestones (
    id {{ID}},
    project_id BIGINT NOT NULL REFERENCES match_projects (id),
    title TEXT NOT NULL,
    due_at BIGINT NOT NULL,
    done_at BIGINT,
    created_at BIGINT NOT NULL
);
CREATE INDEX match_milestones_project ON match_milestones (project_id, due_at);

INSERT INTO record_counts (name, n) VALUES ('match_needs', 0);

-- The expiry job and the scheduled runs (job.c): each one job re-enqueuing itself, as
-- case.deadlines.
INSERT INTO jobs (kind, payload, state, run_at, max_attempts, lease_ms, dedupe_key, created_at)
VALUES ('match.expiry', '{}', 'queued', 0, 100, 60000, 'match.expiry', 0);
INSERT INTO jobs (kind, payload, state, run_at, max_attempts, lease_ms, dedupe_key, created_at)
VALUES ('match.runs', '{}', 'queued', 0, 100, 300000, 'match.runs', 0);
