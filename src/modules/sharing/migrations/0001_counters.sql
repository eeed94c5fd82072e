-- Counters of the equity figures (issue 15 item 6, docs/METRICS.md "Equity", "Cost"):
-- per place and per day, the summable figures the dashboard and GET /sharing/equity
-- read, so a request reads O(places × blocks of days) small rows instead of the
-- period's visits, cases and service records.
--
-- Kept by triggers on the raw tables, in every write's own transaction (so exact at
-- once, in the same snapshot as the rows, whichever code writes: the API, imports,
-- `gongzhi demo`, `gongzhi gen`): visits and service records are insert-only (no code
-- updates or deletes them; service records are append-only by trigger), a case counts
-- by its current state, so an update of a case moves its contribution.
--
-- code: a grid (visits, cases; service placed in the grid) or the place a service
--   record was placed at when that is not a grid (a community, the street).
-- span, day: span 1 = the day `day`; span 16 = the 16 days [day, day + 15], day a
--   multiple of 16. Every change is added to both rows, so a period is read as its whole
--   blocks of 16 days plus at most 15 single days at each end.
-- Days: Asia/Shanghai calendar days from 1970-01-01 (visits.visited_on); a case counts on
--   the day of reported_at, a service record on the day of COALESCE(started_at,
--   recorded_at) (ms → (ms + 8 h) / 1 day).
-- visits: visits with grid_code = code on the day.
-- visited_last: residents whose latest visit with grid_code = code falls on the day
--   (visits to a resident, not a household). Distinct residents of a period cannot be
--   summed from daily counts; but for a period reaching today (visits are never dated
--   after today) the residents visited in it are exactly those whose latest visit is on
--   or after its first day: Σ visited_last over [from, to].
-- cases_received: cases reported on the day that count (受理: not self-handled, not
--   withdrawn or merged); cases_closed: of those, accepted and closed (closed_at set).
-- service_minutes: Σ minutes of service and correction records.
CREATE TABLE share_counts (
    code TEXT {{PG:COLLATE "C"}} NOT NULL,
    span INTEGER NOT NULL,
    day BIGINT NOT NULL,
    visits BIGINT NOT NULL DEFAULT 0,
    visited_last BIGINT NOT NULL DEFAULT 0,
    cases_received BIGINT NOT NULL DEFAULT 0,
    cases_closed BIGINT NOT NULL DEFAULT 0,
    service_minutes BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (code, span, day)
){{SQLITE: WITHOUT ROWID}};

-- The places other than grids that service records were placed at (their minutes count
-- in a node's totals only).
CREATE TABLE share_places (
    code TEXT {{PG:COLLATE "C"}} NOT NULL PRIMARY KEY
){{SQLITE: WITHOUT ROWID}};

-- The counts of the rows already there.
INSERT INTO share_counts (code, span, day, visits, visited_last, cases_received,
                          cases_closed, service_minutes)
SELECT code, span, day - day % span, SUM(v), SUM(l), SUM(r), SUM(c), SUM(m)
FROM (
    SELECT grid_code AS code, visited_on AS day, COUNT(*) AS v, 0 AS l, 0 AS r, 0 AS c,
           0 AS m
    FROM visits GROUP BY grid_code, visited_on
    UNION ALL
    SELECT code, day, 0, COUNT(*), 0, 0, 0
    FROM (SELECT grid_code AS code, MAX(visited_on) AS day FROM visits
          WHERE resident_id IS NOT NULL GROUP BY resident_id, grid_code) lv
    GROUP BY code, day
    UNION ALL
    SELECT grid_code, (reported_at + 28800000) / 86400000, 0, 0, COUNT(*),
           SUM(CASE WHEN accepted_at IS NOT NULL AND closed_at IS NOT NULL THEN 1 ELSE 0 END),
           0
    FROM cases WHERE self_handled = 0 AND state NOT IN ('withdrawn', 'merged')
    GROUP BY grid_code, (reported_at + 28800000) / 86400000
    UNION ALL
    SELECT scope_code, (COALESCE(started_at, recorded_at) + 28800000) / 86400000, 0, 0, 0,
           0, SUM(minutes)
    FROM mob_service_records WHERE kind IN ('service', 'correction')
    GROUP BY scope_code, (COALESCE(started_at, recorded_at) + 28800000) / 86400000
) x CROSS JOIN (SELECT 1 AS span UNION ALL SELECT 16) s
GROUP BY code, span, day - day % span;

INSERT INTO share_places (code)
SELECT DISTINCT scope_code FROM mob_service_records r
WHERE kind IN ('service', 'correction')
  AND NOT EXISTS (SELECT 1 FROM grids g WHERE g.code = r.scope_code);

{{SQLITE:
CREATE TRIGGER share_visits_insert AFTER INSERT ON visits
BEGIN
    INSERT INTO share_counts (code, span, day, visits)
    VALUES (NEW.grid_code, 1, NEW.visited_on, 1),
           (NEW.grid_code, 16, NEW.visited_on - NEW.visited_on % 16, 1)
    ON CONFLICT (code, span, day) DO UPDATE SET visits = visits + 1;
    -- The resident's latest visit in the grid moves to this day: one fewer on the day it
    -- was, one more on this one.
    INSERT INTO share_counts (code, span, day, visited_last)
    SELECT NEW.grid_code, s.span, p.day - p.day % s.span, -1
    FROM (SELECT MAX(visited_on) AS day FROM visits WHERE resident_id = NEW.resident_id
          AND grid_code = NEW.grid_code AND id <> NEW.id) p,
         (SELECT 1 AS span UNION ALL SELECT 16) s
    WHERE NEW.resident_id IS NOT NULL AND p.day IS NOT NULL AND p.day < NEW.visited_on
    ON CONFLICT (code, span, day) DO UPDATE SET visited_last = visited_last - 1;
    INSERT INTO share_counts (code, span, day, visited_last)
    SELECT NEW.grid_code, s.span, NEW.visited_on - NEW.visited_on % s.span, 1
    FROM (SELECT 1 AS span UNION ALL SELECT 16) s
    WHERE NEW.resident_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM visits WHERE
          resident_id = NEW.resident_id AND grid_code = NEW.grid_code AND id <> NEW.id
          AND visited_on >= NEW.visited_on)
    ON CONFLICT (code, span, day) DO UPDATE SET visited_last = visited_last + 1;
END;

CREATE TRIGGER share_cases_insert AFTER INSERT ON cases
WHEN NEW.self_handled = 0 AND NEW.state NOT IN ('withdrawn', 'merged')
BEGIN
    INSERT INTO share_counts (code, span, day, cases_received, cases_closed)
    SELECT NEW.grid_code, s.span, d.day - d.day % s.span, 1,
           CASE WHEN NEW.accepted_at IS NOT NULL AND NEW.closed_at IS NOT NULL
                THEN 1 ELSE 0 END
    FROM (SELECT (NEW.reported_at + 28800000) / 86400000 AS day) d,
         (SELECT 1 AS span UNION ALL SELECT 16) s WHERE true
    ON CONFLICT (code, span, day) DO UPDATE SET
        cases_received = cases_received + excluded.cases_received,
        cases_closed = cases_closed + excluded.cases_closed;
END;

CREATE TRIGGER share_cases_update AFTER UPDATE OF grid_code, reported_at, self_handled,
    state, accepted_at, closed_at ON cases
WHEN OLD.grid_code IS NOT NEW.grid_code OR OLD.reported_at IS NOT NEW.reported_at
    OR OLD.self_handled IS NOT NEW.self_handled OR OLD.state IS NOT NEW.state
    OR OLD.accepted_at IS NOT NEW.accepted_at OR OLD.closed_at IS NOT NEW.closed_at
BEGIN
    -- Take the old contribution away, add the new one (rows of 0 change nothing).
    INSERT INTO share_counts (code, span, day, cases_received, cases_closed)
    SELECT c.code, s.span, c.day - c.day % s.span, c.r, c.c
    FROM (SELECT OLD.grid_code AS code, (OLD.reported_at + 28800000) / 86400000 AS day,
                 -1 AS r,
                 CASE WHEN OLD.accepted_at IS NOT NULL AND OLD.closed_at IS NOT NULL
                      THEN -1 ELSE 0 END AS c
          WHERE OLD.self_handled = 0 AND OLD.state NOT IN ('withdrawn', 'merged')
          UNION ALL
          SELECT NEW.grid_code, (NEW.reported_at + 28800000) / 86400000, 1,
                 CASE WHEN NEW.accepted_at IS NOT NULL AND NEW.closed_at IS NOT NULL
                      THEN 1 ELSE 0 END
          WHERE NEW.self_handled = 0 AND NEW.state NOT IN ('withdrawn', 'merged')) c,
         (SELECT 1 AS span UNION ALL SELECT 16) s WHERE true
    ON CONFLICT (code, span, day) DO UPDATE SET
        cases_received = cases_received + excluded.cases_received,
        cases_closed = cases_closed + excluded.cases_closed;
END;

CREATE TRIGGER share_service_insert AFTER INSERT ON mob_service_records
WHEN NEW.kind IN ('service', 'correction')
BEGIN
    INSERT INTO share_counts (code, span, day, service_minutes)
    SELECT NEW.scope_code, s.span, d.day - d.day % s.span, NEW.minutes
    FROM (SELECT (COALESCE(NEW.started_at, NEW.recorded_at) + 28800000) / 86400000
                 AS day) d,
         (SELECT 1 AS span UNION ALL SELECT 16) s WHERE true
    ON CONFLICT (code, span, day) DO UPDATE SET
        service_minutes = service_minutes + excluded.service_minutes;
    INSERT INTO share_places (code) SELECT NEW.scope_code
    WHERE NOT EXISTS (SELECT 1 FROM grids WHERE code = NEW.scope_code)
    ON CONFLICT (code) DO NOTHING;
END;
}}
{{PG:
CREATE FUNCTION gz_share_add(p_code TEXT, p_day BIGINT, p_visits BIGINT, p_last BIGINT,
                             p_received BIGINT, p_closed BIGINT, p_minutes BIGINT)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO share_counts AS t (code, span, day, visits, visited_last, cases_received,
                                   cases_closed, service_minutes)
    VALUES (p_code, 1, p_day, p_visits, p_last, p_received, p_closed, p_minutes),
           (p_code, 16, p_day - p_day % 16, p_visits, p_last, p_received, p_closed,
            p_minutes)
    ON CONFLICT (code, span, day) DO UPDATE SET
        visits = t.visits + excluded.visits,
        visited_last = t.visited_last + excluded.visited_last,
        cases_received = t.cases_received + excluded.cases_received,
        cases_closed = t.cases_closed + excluded.cases_closed,
        service_minutes = t.service_minutes + excluded.service_minutes;
END
$$;

CREATE FUNCTION gz_share_visits() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    prev BIGINT;
BEGIN
    PERFORM gz_share_add(NEW.grid_code, NEW.visited_on, 1, 0, 0, 0, 0);
    IF NEW.resident_id IS NOT NULL THEN
        SELECT MAX(visited_on) INTO prev FROM visits WHERE resident_id = NEW.resident_id
            AND grid_code = NEW.grid_code AND id <> NEW.id;
        IF prev IS NULL OR prev < NEW.visited_on THEN
            IF prev IS NOT NULL THEN
                PERFORM gz_share_add(NEW.grid_code, prev, 0, -1, 0, 0, 0);
            END IF;
            PERFORM gz_share_add(NEW.grid_code, NEW.visited_on, 0, 1, 0, 0, 0);
        END IF;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER share_visits_insert AFTER INSERT ON visits
    FOR EACH ROW EXECUTE FUNCTION gz_share_visits();

CREATE FUNCTION gz_share_cases() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        IF OLD.self_handled = 0 AND OLD.state NOT IN ('withdrawn', 'merged') THEN
            PERFORM gz_share_add(OLD.grid_code, (OLD.reported_at + 28800000) / 86400000,
                                 0, 0, -1,
                                 CASE WHEN OLD.accepted_at IS NOT NULL
                                      AND OLD.closed_at IS NOT NULL THEN -1 ELSE 0 END, 0);
        END IF;
    END IF;
    IF NEW.self_handled = 0 AND NEW.state NOT IN ('withdrawn', 'merged') THEN
        PERFORM gz_share_add(NEW.grid_code, (NEW.reported_at + 28800000) / 86400000,
                             0, 0, 1,
                             CASE WHEN NEW.accepted_at IS NOT NULL
                                  AND NEW.closed_at IS NOT NULL THEN 1 ELSE 0 END, 0);
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER share_cases_insert AFTER INSERT ON cases
    FOR EACH ROW EXECUTE FUNCTION gz_share_cases();
CREATE TRIGGER share_cases_update AFTER UPDATE OF grid_code, reported_at, self_handled,
    state, accepted_at, closed_at ON cases
    FOR EACH ROW
    WHEN (OLD.grid_code IS DISTINCT FROM NEW.grid_code
          OR OLD.reported_at IS DISTINCT FROM NEW.reported_at
          OR OLD.self_handled IS DISTINCT FROM NEW.self_handled
          OR OLD.state IS DISTINCT FROM NEW.state
          OR OLD.accepted_at IS DISTINCT FROM NEW.accepted_at
          OR OLD.closed_at IS DISTINCT FROM NEW.closed_at)
    EXECUTE FUNCTION gz_share_cases();

CREATE FUNCTION gz_share_service() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.kind IN ('service', 'correction') THEN
        PERFORM gz_share_add(NEW.scope_code,
                             (COALESCE(NEW.started_at, NEW.recorded_at) + 28800000) / 86400000,
                             0, 0, 0, 0, NEW.minutes);
        IF NOT EXISTS (SELECT 1 FROM grids WHERE code = NEW.scope_code) THEN
            INSERT INTO share_places (code) VALUES (NEW.scope_code)
            ON CONFLICT (code) DO NOTHING;
        END IF;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER share_service_insert AFTER INSERT ON mob_service_records
    FOR EACH ROW EXECUTE FUNCTION gz_share_service();
}}
