-- Applications for the services of the catalogue, their files, their timeline, and the
-- working-day calendar their time limits are counted in. docs/SERVICES.md has the rules.
--
-- Scope: an application carries the grid_code of the person it is for (the resident
-- record's grid), so "inside scope S" is the indexed range grid_code >= S AND
-- grid_code < S || '~'. The resident who filed it and the person's own account read it
-- by the account link (applicant_user_id, owner_user_id), as their resident record.
--
-- state: received, returned (补正), accepted, processing, approved, refused, issued
-- (src/modules/services/rules.c has the table). Times are BIGINT ms since the epoch (UTC).
-- due_at is set at acceptance: the end (24:00 Beijing time) of the time_limit_days-th
-- working day after the day of acceptance, by the calendar then in force. decided_at is
-- when it was approved or refused. office and time_limit_days are copied from the
-- catalogue at filing, so the rates per office stay true when the catalogue changes.

-- Days that differ from Monday–Friday: holidays (workday 0) and weekend days worked
-- (调休上班, workday 1), as the State Council publishes them each year. day is the
-- Beijing date 'YYYY-MM-DD'.
CREATE TABLE service_calendar (
    day TEXT {{PG:COLLATE "C"}} NOT NULL PRIMARY KEY,
    workday INTEGER NOT NULL,
    note TEXT NOT NULL DEFAULT ''
);

-- Uploaded files (materials, photos). Kept only when their bytes are what they claim
-- (PDF, PNG, JPEG; at most 5 MiB). application_id is set when an application uses them;
-- until then only their uploader may use or read them.
CREATE TABLE service_attachments (
    id {{ID}},
    user_id BIGINT REFERENCES users (id),
    media_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    name TEXT NOT NULL DEFAULT '',
    data {{BLOB}} NOT NULL,
    application_id BIGINT,
    created_at BIGINT NOT NULL
);
CREATE INDEX service_attachments_user ON service_attachments (user_id, id) WHERE application_id IS NULL;
CREATE INDEX service_attachments_application ON service_attachments (application_id) WHERE application_id IS NOT NULL;

CREATE TABLE service_applications (
    id {{ID}},
    service_id BIGINT NOT NULL REFERENCES services (id),
    grid_code TEXT {{PG:COLLATE "C"}} NOT NULL,
    resident_id BIGINT NOT NULL REFERENCES residents (id),
    applicant_user_id BIGINT REFERENCES users (id),
    owner_user_id BIGINT REFERENCES users (id),
    channel TEXT NOT NULL,                 -- 'online' (the resident) or 'counter' (staff)
    state TEXT NOT NULL,
    fields TEXT NOT NULL,                  -- JSON {code: value}
    materials TEXT NOT NULL,               -- JSON {code: [attachment id]}
    missing TEXT,                          -- JSON [what to supply], while returned
    reason TEXT,                           -- why it was refused
    office TEXT NOT NULL,
    time_limit_days INTEGER NOT NULL,
    received_at BIGINT NOT NULL,
    accepted_at BIGINT,
    due_at BIGINT,
    decided_at BIGINT,
    issued_at BIGINT,
    returned_count INTEGER NOT NULL DEFAULT 0,
    rating INTEGER CHECK (rating BETWEEN 1 AND 5),
    rating_comment TEXT,
    rated_at BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX service_applications_grid ON service_applications (grid_code, id);
CREATE INDEX service_applications_applicant ON service_applications (applicant_user_id, id);
CREATE INDEX service_applications_owner ON service_applications (owner_user_id, id);
CREATE INDEX service_applications_open ON service_applications (due_at) WHERE decided_at IS NULL;

-- The timeline: one row per step, shown to the applicant (their notice of each step).
-- note is JSON: {"missing": [...]} for a return, {"reason": "..."} for a refusal,
-- {"note": "..."} for a remark.
CREATE TABLE service_application_events (
    id {{ID}},
    application_id BIGINT NOT NULL REFERENCES service_applications (id),
    at BIGINT NOT NULL,
    action TEXT NOT NULL,
    state TEXT NOT NULL,
    user_id BIGINT REFERENCES users (id),
    username TEXT NOT NULL,
    note TEXT
);
CREATE INDEX service_application_events_app ON service_application_events (application_id, id);

INSERT INTO record_counts (name, n) VALUES ('service_applications', 0);

-- 2025: 国务院办公厅关于2025年部分节假日安排的通知（国办发明电〔2024〕12号）;
-- 2026: 国务院办公厅关于2026年部分节假日安排的通知. Later years are added by
-- administrators (PUT /api/v1/service-calendar/{day}) when they are published.
INSERT INTO service_calendar (day, workday, note) VALUES
    ('2025-01-01', 0, '元旦'),
    ('2025-01-26', 1, '春节调休'),
    ('2025-01-28', 0, '春节'),
    ('2025-01-29', 0, '春节'),
    ('2025-01-30', 0, '春节'),
    ('2025-01-31', 0, '春节'),
    ('2025-02-01', 0, '春节'),
    ('2025-02-02', 0, '春节'),
    ('2025-02-03', 0, '春节'),
    ('2025-02-04', 0, '春节'),
    ('2025-02-08', 1, '春节调休'),
    ('2025-04-04', 0, '清明节'),
    ('2025-04-05', 0, '清明节'),
    ('2025-04-06', 0, '清明节'),
    ('2025-04-27', 1, '劳动节调休'),
    ('2025-05-01', 0, '劳动节'),
    ('2025-05-02', 0, '劳动节'),
    ('2025-05-03', 0, '劳动节'),
    ('2025-05-04', 0, '劳动节'),
    ('2025-05-05', 0, '劳动节'),
    ('2025-05-31', 0, '端午节'),
    ('2025-06-01', 0, '端午节'),
    ('2025-06-02', 0, '端午节'),
    ('2025-09-28', 1, '国庆节调休'),
    ('2025-10-01', 0, '国庆节、中秋节'),
    ('2025-10-02', 0, '国庆节、中秋节'),
    ('2025-10-03', 0, '国庆节、中秋节'),
    ('2025-10-04', 0, '国庆节、中秋节'),
    ('2025-10-05', 0, '国庆节、中秋节'),
    ('2025-10-06', 0, '国庆节、中秋节'),
    ('2025-10-07', 0, '国庆节、中秋节'),
    ('2025-10-08', 0, '国庆节、中秋节'),
    ('2025-10-11', 1, '国庆节调休'),
    ('2026-01-01', 0, '元旦'),
    ('2026-01-02', 0, '元旦'),
    ('2026-01-03', 0, '元旦'),
    ('2026-01-04', 1, '元旦调休'),
    ('2026-02-14', 1, '春节调休'),
    ('2026-02-15', 0, '春节'),
    ('2026-02-16', 0, '春节'),
    ('2026-02-17', 0, '春节'),
    ('2026-02-18', 0, '春节'),
    ('2026-02-19', 0, '春节'),
    ('2026-02-20', 0, '春节'),
    ('2026-02-21', 0, '春节'),
    ('2026-02-22', 0, '春节'),
    ('2026-02-23', 0, '春节'),
    ('2026-02-28', 1, '春节调休'),
    ('2026-04-04', 0, '清明节'),
    ('2026-04-05', 0, '清明节'),
    ('2026-04-06', 0, '清明节'),
    ('2026-05-01', 0, '劳动节'),
    ('2026-05-02', 0, '劳动节'),
    ('2026-05-03', 0, '劳动节'),
    ('2026-05-04', 0, '劳动节'),
    ('2026-05-05', 0, '劳动节'),
    ('2026-05-09', 1, '劳动节调休'),
    ('2026-06-19', 0, '端午节'),
    ('2026-06-20', 0, '端午节'),
    ('2026-06-21', 0, '端午节'),
    ('2026-09-20', 1, '国庆节调休'),
    ('2026-09-25', 0, '中秋节'),
    ('2026-09-26', 0, '中秋节'),
    ('2026-09-27', 0, '中秋节'),
    ('2026-10-01', 0, '国庆节'),
    ('2026-10-02', 0, '国庆节'),
    ('2026-10-03', 0, '国庆节'),
    ('2026-10-04', 0, '国庆节'),
    ('2026-10-05', 0, '国庆节'),
    ('2026-10-06', 0, '国庆节'),
    ('2026-10-07', 0, '国庆节'),
    ('2026-10-10', 1, '国庆节调休');
