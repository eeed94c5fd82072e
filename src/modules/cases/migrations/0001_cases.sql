-- Cases (诉求/工单): the service catalogue, the holiday calendar, default responsible
-- organisations, the cases with their append-only timeline. docs/CASES.md has the rules;
-- src/modules/cases/rules.c the state machine. Times are BIGINT ms since the epoch (UTC).
--
-- Codes are stable ASCII (states, actions, kinds, units, sources, request types: see
-- rules.h); no CHECK constraints, so a later code needs no table rebuild on SQLite.
-- Code and scope columns use the "C" collation on PostgreSQL (prefix ranges).

-- The catalogue, two levels: major classes (parent_id NULL) and their minor classes.
-- kind: 'event' (事件) or 'component' (部件), GB/T 30428.2. code is the Open311
-- service_code. Minor classes carry the time limits of the steps (amount + unit 'hours'
-- or 'workdays'), the automatic escalation (吹哨 when the handling step is overdue by
-- escalate_after_hours; NULL = never) and the duplicate-suggestion window (radius in
-- metres, hours). Inactive classes are kept for old cases but offered to nobody.
CREATE TABLE case_categories (
    id {{ID}},
    code TEXT {{PG:COLLATE "C"}} NOT NULL UNIQUE,
    parent_id BIGINT REFERENCES case_categories (id),
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    accept_amount INTEGER,
    accept_unit TEXT,
    dispatch_amount INTEGER,
    dispatch_unit TEXT,
    sign_amount INTEGER,
    sign_unit TEXT,
    handle_amount INTEGER,
    handle_unit TEXT,
    escalate_after_hours INTEGER,
    dup_radius_m INTEGER NOT NULL DEFAULT 50,
    dup_window_hours INTEGER NOT NULL DEFAULT 72,
    active INTEGER NOT NULL DEFAULT 1,
    sort INTEGER NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX case_categories_parent ON case_categories (parent_id, sort);

-- Exceptions to "Monday to Friday are working days" (Asia/Shanghai): 法定节假日 (workday
-- 0) and the weekend days worked instead (调休, workday 1). day is 'YYYY-MM-DD'.
CREATE TABLE case_calendar (
    day TEXT {{PG:COLLATE "C"}} PRIMARY KEY,
    workday INTEGER NOT NULL,
    note TEXT NOT NULL DEFAULT ''
);

-- The default responsible organisation of a place (a grid or community code), for one
-- category (category_code) or for every category (''). Dispatch without an organisation
-- takes the most specific row: (category, grid), (category, community), ('', grid),
-- ('', community); none: the locality (属地兜底) handles it.
CREATE TABLE case_routes (
    id {{ID}},
    space_code TEXT {{PG:COLLATE "C"}} NOT NULL,
    category_code TEXT {{PG:COLLATE "C"}} NOT NULL DEFAULT '',
    org_id BIGINT NOT NULL REFERENCES organisations (id),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (space_code, category_code)
);

-- One case. grid_code places it (scope: the prefix ranges of the space tree).
-- The handler is an organisation (handler_org_id, scope 'org:<id>/'), a person
-- (handler_user_id), or the locality (handler_scope = the grid code, 属地); escalation_*
-- likewise names whom it was escalated to ('org:<id>/', or the street code).
-- The reporter: reporter_user_id (who reported it through an account: the resident or the
-- patrolling grid worker), reporter_name in clear, reporter_phone sealed (core/crypto.h,
-- never in clear), anonymous: only the registering community sees who it was.
-- step_due_at: deadline of the step the state waits for (rules.h case_step_of), NULL when
-- none; overdue: that step is past its deadline (set by the deadline job). due_at: the
-- handling deadline (办结时限: the category's handling limit counted from acceptance,
-- 立案, plus approved extensions); handled on time when handled_at <= due_at.
-- responded_at: when a handler first took the case up (签收, 报到, or the community's own
-- answer); response_due_at: the deadline of that step (docs/METRICS.md, 响应率). version increases with every change (optimistic lock).
-- external_id: another system's id (a 12345 ticket number, an Open311 client's id).
CREATE TABLE cases (
    id {{ID}},
    grid_code TEXT {{PG:COLLATE "C"}} NOT NULL REFERENCES grids (code),
    category_id BIGINT NOT NULL REFERENCES case_categories (id),
    request_type TEXT NOT NULL,
    source TEXT NOT NULL,
    state TEXT NOT NULL,
    description TEXT NOT NULL,
    address TEXT NOT NULL DEFAULT '',
    building_id BIGINT REFERENCES buildings (id),
    lng_e7 BIGINT,
    lat_e7 BIGINT,
    reporter_user_id BIGINT REFERENCES users (id),
    reporter_name TEXT,
    reporter_phone_enc {{BLOB}},
    anonymous INTEGER NOT NULL DEFAULT 0,
    self_handled INTEGER NOT NULL DEFAULT 0,
    handler_org_id BIGINT REFERENCES organisations (id),
    handler_user_id BIGINT REFERENCES users (id),
    handler_scope TEXT {{PG:COLLATE "C"}},
    escalation_org_id BIGINT REFERENCES organisations (id),
    escalation_scope TEXT {{PG:COLLATE "C"}},
    merged_into BIGINT REFERENCES cases (id),
    step_due_at BIGINT,
    overdue INTEGER NOT NULL DEFAULT 0,
    due_at BIGINT,
    ever_overdue INTEGER NOT NULL DEFAULT 0,
    escalated INTEGER NOT NULL DEFAULT 0,
    rework_count INTEGER NOT NULL DEFAULT 0,
    extension_count INTEGER NOT NULL DEFAULT 0,
    satisfaction TEXT,
    resolved INTEGER,
    rated_at BIGINT,
    reported_at BIGINT NOT NULL,
    accepted_at BIGINT,
    dispatched_at BIGINT,
    signed_at BIGINT,
    handled_at BIGINT,
    closed_at BIGINT,
    responded_at BIGINT,
    response_due_at BIGINT,
    external_id TEXT,
    version INTEGER NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
-- Lists in a place, newest first, optionally by state; the deadline job; a reporter's
-- own cases; the statistics of a place over a period.
CREATE INDEX cases_grid ON cases (grid_code, id);
CREATE INDEX cases_grid_state ON cases (grid_code, state, id);
CREATE INDEX cases_due ON cases (overdue, step_due_at);
CREATE INDEX cases_reporter ON cases (reporter_user_id, id);
CREATE INDEX cases_grid_reported ON cases (grid_code, reported_at);
CREATE INDEX cases_handler_user ON cases (handler_user_id, id);
CREATE INDEX cases_external ON cases (external_id);

-- Everyone who has held a case outside the space tree (an organisation it was
-- dispatched or escalated to: 'org:<id>/'; a street it was escalated to), so they keep
-- seeing it in their lists once it has moved on.
CREATE TABLE case_parties (
    case_id BIGINT NOT NULL REFERENCES cases (id),
    scope_code TEXT {{PG:COLLATE "C"}} NOT NULL,
    PRIMARY KEY (case_id, scope_code)
);
CREATE INDEX case_parties_scope ON case_parties (scope_code, case_id);

-- The timeline: one row per action (and per deadline event of the job), append-only —
-- triggers refuse UPDATE and DELETE. seq numbers a case's events 1, 2, ...
-- actor_user_id NULL: the command line or the deadline job (actor_name 'cli' / 'system').
-- actor_role: the case role (rules.h) the action was taken as. org_id / user_id: whom
-- it was dispatched or escalated to. detail: JSON of the action's own fields (rating,
-- extension, merged target, deadline). attachments: JSON array of attachment
-- references (photos, later), NULL when none.
CREATE TABLE case_events (
    id {{ID}},
    case_id BIGINT NOT NULL REFERENCES cases (id),
    seq INTEGER NOT NULL,
    action TEXT NOT NULL,
    from_state TEXT,
    to_state TEXT NOT NULL,
    actor_user_id BIGINT REFERENCES users (id),
    actor_name TEXT NOT NULL,
    actor_role TEXT NOT NULL DEFAULT '',
    org_id BIGINT REFERENCES organisations (id),
    user_id BIGINT REFERENCES users (id),
    note TEXT NOT NULL DEFAULT '',
    detail TEXT,
    attachments TEXT,
    at BIGINT NOT NULL,
    UNIQUE (case_id, seq)
);
-- The statistics count actions of a period (派遣, 返工, 延期 ...).
CREATE INDEX case_events_action_at ON case_events (action, at);

{{SQLITE:
CREATE TRIGGER case_events_no_update BEFORE UPDATE ON case_events
BEGIN
    SELECT RAISE(ABORT, 'case_events is append-only');
END;
CREATE TRIGGER case_events_no_delete BEFORE DELETE ON case_events
BEGIN
    SELECT RAISE(ABORT, 'case_events is append-only');
END;
}}
{{PG:
CREATE FUNCTION gz_case_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'case_events is append-only';
END
$$;
CREATE TRIGGER case_events_append_only BEFORE UPDATE OR DELETE ON case_events
    FOR EACH ROW EXECUTE FUNCTION gz_case_events_append_only();
}}

INSERT INTO record_counts (name, n) VALUES ('cases', 0);
