-- Counters of the case rates (issue 15 item 6; docs/METRICS.md "Case rates", "Cost"):
-- GET /stats/cases (and through it the street dashboard's rates and their monthly trend)
-- reads these few rows and a small live query instead of every case of the period.
-- Generated (the same expressions for SQLite's triggers, PostgreSQL's function and the
-- fill below): keep it in step with rates.c live_facts(), which computes one case's
-- contribution the same way.
--
-- Kept by triggers in every write's own transaction (exact at once, whichever code
-- writes): a case counts by its current state, so an update of a case takes its old
-- contribution away and adds the new one. Per case intake: one upsert of 3 rows.
--
-- code: the case's grid. span, day: span 1 = the Beijing day `day` the case was reported
--   on; span 16 = the 16 days [day, day + 15] (day a multiple of 16); span 0 = the
--   Beijing calendar month `day` (year * 12 + month - 1) it was reported in.
-- The facts that do not depend on the evaluation time T (received, registered, rejected,
--   withdrawn, merged, dispatched, rated, resolved, satisfied, basically_satisfied,
--   unsatisfied, self_handled, escalated): the sets of docs/METRICS.md "Case rates".
-- The facts that become true at an instant (due: min(closed_at, due_at); closed and
--   closed_on_time: closed_at; reworked, extended: as due; due_response:
--   min(responded_at, response_due_at + 1); responded_on_time: responded_at): NAME
--   counts them once the instant is set (T = infinity), NAME_in when the instant falls
--   in the case's report month or before (T = the end of that month). rates.c corrects
--   both with the few cases whose instant lies after T (indexes below).
CREATE TABLE case_rate_counts (
    code TEXT {{PG:COLLATE "C"}} NOT NULL,
    span INTEGER NOT NULL,
    day BIGINT NOT NULL,
    received BIGINT NOT NULL DEFAULT 0,
    registered BIGINT NOT NULL DEFAULT 0,
    rejected BIGINT NOT NULL DEFAULT 0,
    withdrawn BIGINT NOT NULL DEFAULT 0,
    merged BIGINT NOT NULL DEFAULT 0,
    dispatched BIGINT NOT NULL DEFAULT 0,
    rated BIGINT NOT NULL DEFAULT 0,
    resolved BIGINT NOT NULL DEFAULT 0,
    satisfied BIGINT NOT NULL DEFAULT 0,
    basically_satisfied BIGINT NOT NULL DEFAULT 0,
    unsatisfied BIGINT NOT NULL DEFAULT 0,
    self_handled BIGINT NOT NULL DEFAULT 0,
    escalated BIGINT NOT NULL DEFAULT 0,
    due BIGINT NOT NULL DEFAULT 0,
    closed BIGINT NOT NULL DEFAULT 0,
    closed_on_time BIGINT NOT NULL DEFAULT 0,
    reworked BIGINT NOT NULL DEFAULT 0,
    extended BIGINT NOT NULL DEFAULT 0,
    due_response BIGINT NOT NULL DEFAULT 0,
    responded_on_time BIGINT NOT NULL DEFAULT 0,
    due_in BIGINT NOT NULL DEFAULT 0,
    closed_in BIGINT NOT NULL DEFAULT 0,
    closed_on_time_in BIGINT NOT NULL DEFAULT 0,
    reworked_in BIGINT NOT NULL DEFAULT 0,
    extended_in BIGINT NOT NULL DEFAULT 0,
    due_response_in BIGINT NOT NULL DEFAULT 0,
    responded_on_time_in BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (code, span, day)
){{SQLITE: WITHOUT ROWID}};

-- The cases whose instants lie after T, per grid (only rows with the instant set: a new
-- case has none of them, so intake writes no entry). A deadline ahead matters only while
-- the case is not closed (responded) by T: the index holds that too.
CREATE INDEX cases_grid_closed_at ON cases (grid_code, closed_at) WHERE closed_at IS NOT NULL;
CREATE INDEX cases_grid_due_at ON cases (grid_code, due_at, closed_at, reported_at)
    WHERE due_at IS NOT NULL;
CREATE INDEX cases_grid_responded_at ON cases (grid_code, responded_at)
    WHERE responded_at IS NOT NULL;
CREATE INDEX cases_grid_response_due_at ON cases (grid_code, response_due_at, responded_at,
    reported_at) WHERE response_due_at IS NOT NULL;

{{SQLITE:
-- The counts of the cases already there.
INSERT INTO case_rate_counts (code, span, day, received, registered, rejected, withdrawn, merged, dispatched, rated, resolved, satisfied, basically_satisfied, unsatisfied, self_handled, escalated, due, closed, closed_on_time, reworked, extended, due_response, responded_on_time, due_in, closed_in, closed_on_time_in, reworked_in, extended_in, due_response_in, responded_on_time_in)
SELECT code, span, day, SUM(received), SUM(registered), SUM(rejected), SUM(withdrawn), SUM(merged), SUM(dispatched), SUM(rated), SUM(resolved), SUM(satisfied), SUM(basically_satisfied), SUM(unsatisfied), SUM(self_handled), SUM(escalated), SUM(due), SUM(closed), SUM(closed_on_time), SUM(reworked), SUM(extended), SUM(due_response), SUM(responded_on_time), SUM(due_in), SUM(closed_in), SUM(closed_on_time_in), SUM(reworked_in), SUM(extended_in), SUM(due_response_in), SUM(responded_on_time_in)
FROM (SELECT c.grid_code AS code, s.span, CASE s.span WHEN 0 THEN (CAST(strftime('%Y', (c.reported_at + 28800000) / 1000, 'unixepoch') AS INTEGER) * 12 + CAST(strftime('%m', (c.reported_at + 28800000) / 1000, 'unixepoch') AS INTEGER) - 1) WHEN 1 THEN (c.reported_at + 28800000) / 86400000 ELSE (c.reported_at + 28800000) / 86400000 - (c.reported_at + 28800000) / 86400000 % 16 END AS day,
       CASE WHEN c.self_handled = 0 AND c.state NOT IN ('withdrawn', 'merged') THEN 1 ELSE 0 END AS received,
       CASE WHEN c.self_handled = 0 AND c.state NOT IN ('withdrawn', 'merged') AND c.accepted_at IS NOT NULL THEN 1 ELSE 0 END AS registered,
       CASE WHEN c.self_handled = 0 AND c.state NOT IN ('withdrawn', 'merged') AND c.state = 'rejected' THEN 1 ELSE 0 END AS rejected,
       CASE WHEN c.state = 'withdrawn' THEN 1 ELSE 0 END AS withdrawn,
       CASE WHEN c.state = 'merged' THEN 1 ELSE 0 END AS merged,
       CASE WHEN c.self_handled = 0 AND c.state NOT IN ('withdrawn', 'merged') AND c.accepted_at IS NOT NULL AND (c.dispatched_at IS NOT NULL OR c.escalated = 1) THEN 1 ELSE 0 END AS dispatched,
       CASE WHEN c.self_handled = 0 AND c.state NOT IN ('withdrawn', 'merged') AND c.accepted_at IS NOT NULL AND c.satisfaction IS NOT NULL THEN 1 ELSE 0 END AS rated,
       CASE WHEN c.self_handled = 0 AND c.state NOT IN ('withdrawn', 'merged') AND c.accepted_at IS NOT NULL AND c.satisfaction IS NOT NULL AND c.resolved = 1 THEN 1 ELSE 0 END AS resolved,
       CASE WHEN c.self_handled = 0 AND c.state NOT IN ('withdrawn', 'merged') AND c.accepted_at IS NOT NULL AND c.satisfaction = 'satisfied' THEN 1 ELSE 0 END AS satisfied,
       CASE WHEN c.self_handled = 0 AND c.state NOT IN ('withdrawn', 'merged') AND c.accepted_at IS NOT NULL AND c.satisfaction = 'basically_satisfied' THEN 1 ELSE 0 END AS basically_satisfied,
       CASE WHEN c.self_handled = 0 AND c.state NOT IN ('withdrawn', 'merged') AND c.accepted_at IS NOT NULL AND c.satisfaction = 'unsatisfied' THEN 1 ELSE 0 END AS unsatisfied,
       CASE WHEN c.self_handled = 1 THEN 1 ELSE 0 END AS self_handled,
       CASE WHEN c.self_handled = 0 AND c.state NOT IN ('withdrawn', 'merged') AND c.accepted_at IS NOT NULL AND c.escalated = 1 THEN 1 ELSE 0 END AS escalated,
       CASE WHEN c.self_handled = 0 AND c.state NOT IN ('withdrawn', 'merged') AND c.accepted_at IS NOT NULL AND (CASE WHEN c.closed_at IS NULL THEN c.due_at WHEN c.due_at IS NULL OR c.closed_at < c.due_at THEN c.closed_at ELSE c.due_at END) IS NOT NULL THEN 1 ELSE 0 END AS due,
       CASE WHEN c.self_handled = 0 AND c.state NOT IN ('withdrawn', 'merged') AND c.accepted_at IS NOT NULL AND c.closed_at IS NOT NULL THEN 1 ELSE 0 END AS closed,
       CASE WHEN c.self_handled = 0 AND c.state NOT IN ('withdrawn', 'merged') AND c.accepted_at IS NOT NULL AND c.handled_at IS NOT NULL AND c.due_at IS NOT NULL AND c.handled_at <= c.due_at AND c.closed_at IS NOT NULL THEN 1 ELSE 0 END AS closed_on_time,
       CASE WHEN c.self_handled = 0 AND c.state NOT IN ('withdrawn', 'merged') AND c.accepted_at IS NOT NULL AND c.rework_count > 0 AND (CASE WHEN c.closed_at IS NULL THEN c.due_at WHEN c.due_at IS NULL OR c.closed_at < c.due_at THEN c.closed_at ELSE c.due_at END) IS NOT NULL THEN 1 ELSE 0 END AS reworked,
       CASE WHEN c.self_handled = 0 AND c.state NOT IN ('withdrawn', 'merged') AND c.accepted_at IS NOT NULL AND c.extension_count > 0 AND (CASE WHEN c.closed_at IS NULL THEN c.due_at WHEN c.due_at IS NULL OR c.closed_at < c.due_at THEN c.closed_at ELSE c.due_at END) IS NOT NULL THEN 1 ELSE 0 END AS extended,
       CASE WHEN c.self_handled = 0 AND c.state NOT IN ('withdrawn', 'merged') AND c.accepted_at IS NOT NULL AND (CASE WHEN c.responded_at IS NULL THEN c.response_due_at + 1 WHEN c.response_due_at IS NULL OR c.responded_at < c.response_due_at + 1 THEN c.responded_at ELSE c.response_due_at + 1 END) IS NOT NULL THEN 1 ELSE 0 END AS due_response,
       CASE WHEN c.self_handled = 0 AND c.state NOT IN ('withdrawn', 'merged') AND c.accepted_at IS NOT NULL AND c.response_due_at IS NOT NULL AND c.responded_at <= c.response_due_at AND c.responded_at IS NOT NULL THEN 1 ELSE 0 END AS responded_on_time,
       CASE WHEN c.self_handled = 0 AND c.state NOT IN ('withdrawn', 'merged') AND c.accepted_at IS NOT NULL AND (CASE WHEN c.closed_at IS NULL THEN c.due_at WHEN c.due_at IS NULL OR c.closed_at < c.due_at THEN c.closed_at ELSE c.due_at END) IS NOT NULL AND (CAST(strftime('%Y', ((CASE WHEN c.closed_at IS NULL THEN c.due_at WHEN c.due_at IS NULL OR c.closed_at < c.due_at THEN c.closed_at ELSE c.due_at END) + 28800000) / 1000, 'unixepoch') AS INTEGER) * 12 + CAST(strftime('%m', ((CASE WHEN c.closed_at IS NULL THEN c.due_at WHEN c.due_at IS NULL OR c.closed_at < c.due_at THEN c.closed_at ELSE c.due_at END) + 28800000) / 1000, 'unixepoch') AS INTEGER) - 1) <= (CAST(strftime('%Y', (c.reported_at + 28800000) / 1000, 'unixepoch') AS INTEGER) * 12 + CAST(strftime('%m', (c.reported_at + 28800000) / 1000, 'unixepoch') AS INTEGER) - 1) THEN 1 ELSE 0 END AS due_in,
       CASE WHEN c.self_handled = 0 AND c.state NOT IN ('withdrawn', 'merged') AND c.accepted_at IS NOT NULL AND c.closed_at IS NOT NULL AND (CAST(strftime('%Y', (c.closed_at + 28800000) / 1000, 'unixepoch') AS INTEGER) * 12 + CAST(strftime('%m', (c.closed_at + 28800000) / 1000, 'unixepoch') AS INTEGER) - 1) <= (CAST(strftime('%Y', (c.reported_at + 28800000) / 1000, 'unixepoch') AS INTEGER) * 12 + CAST(strftime('%m', (c.reported_at + 28800000) / 1000, 'unixepoch') AS INTEGER) - 1) THEN 1 ELSE 0 END AS closed_in,
       CASE WHEN c.self_handled = 0 AND c.state NOT IN ('withdrawn', 'merged') AND c.accepted_at IS NOT NULL AND c.handled_at IS NOT NULL AND c.due_at IS NOT NULL AND c.handled_at <= c.due_at AND c.closed_at IS NOT NULL AND (CAST(strftime('%Y', (c.closed_at + 28800000) / 1000, 'unixepoch') AS INTEGER) * 12 + CAST(strftime('%m', (c.closed_at + 28800000) / 1000, 'unixepoch') AS INTEGER) - 1) <= (CAST(strftime('%Y', (c.reported_at + 28800000) / 1000, 'unixepoch') AS INTEGER) * 12 + CAST(strftime('%m', (c.reported_at + 28800000) / 1000, 'unixepoch') AS INTEGER) - 1) THEN 1 ELSE 0 END AS closed_on_time_in,
       CASE WHEN c.self_handled = 0 AND c.state NOT IN ('withdrawn', 'merged') AND c.accepted_at IS NOT NULL AND c.rework_count > 0 AND (CASE WHEN c.closed_at IS NULL THEN c.due_at WHEN c.due_at IS NULL OR c.closed_at < c.due_at THEN c.closed_at ELSE c.due_at END) IS NOT NULL AND (CAST(strftime('%Y', ((CASE WHEN c.closed_at IS NULL THEN c.due_at WHEN c.due_at IS NULL OR c.closed_at < c.due_at THEN c.closed_at ELSE c.due_at END) + 28800000) / 1000, 'unixepoch') AS INTEGER) * 12 + CAST(strftime('%m', ((CASE WHEN c.closed_at IS NULL THEN c.due_at WHEN c.due_at IS NULL OR c.closed_at < c.due_at THEN c.closed_at ELSE c.due_at END) + 28800000) / 1000, 'unixepoch') AS INTEGER) - 1) <= (CAST(strftime('%Y', (c.reported_at + 28800000) / 1000, 'unixepoch') AS INTEGER) * 12 + CAST(strftime('%m', (c.reported_at + 28800000) / 1000, 'unixepoch') AS INTEGER) - 1) THEN 1 ELSE 0 END AS reworked_in,
       CASE WHEN c.self_handled = 0 AND c.state NOT IN ('withdrawn', 'merged') AND c.accepted_at IS NOT NULL AND c.extension_count > 0 AND (CASE WHEN c.closed_at IS NULL THEN c.due_at WHEN c.due_at IS NULL OR c.closed_at < c.due_at THEN c.closed_at ELSE c.due_at END) IS NOT NULL AND (CAST(strftime('%Y', ((CASE WHEN c.closed_at IS NULL THEN c.due_at WHEN c.due_at IS NULL OR c.closed_at < c.due_at THEN c.closed_at ELSE c.due_at END) + 28800000) / 1000, 'unixepoch') AS INTEGER) * 12 + CAST(strftime('%m', ((CASE WHEN c.closed_at IS NULL THEN c.due_at WHEN c.due_at IS NULL OR c.closed_at < c.due_at THEN c.closed_at ELSE c.due_at END) + 28800000) / 1000, 'unixepoch') AS INTEGER) - 1) <= (CAST(strftime('%Y', (c.reported_at + 28800000) / 1000, 'unixepoch') AS INTEGER) * 12 + CAST(strftime('%m', (c.reported_at + 28800000) / 1000, 'unixepoch') AS INTEGER) - 1) THEN 1 ELSE 0 END AS extended_in,
       CASE WHEN c.self_handled = 0 AND c.state NOT IN ('withdrawn', 'merged') AND c.accepted_at IS NOT NULL AND (CASE WHEN c.responded_at IS NULL THEN c.response_due_at + 1 WHEN c.response_due_at IS NULL OR c.responded_at < c.response_due_at + 1 THEN c.responded_at ELSE c.response_due_at + 1 END) IS NOT NULL AND (CAST(strftime('%Y', ((CASE WHEN c.responded_at IS NULL THEN c.response_due_at + 1 WHEN c.response_due_at IS NULL OR c.responded_at < c.response_due_at + 1 THEN c.responded_at ELSE c.response_due_at + 1 END) + 28800000) / 1000, 'unixepoch') AS INTEGER) * 12 + CAST(strftime('%m', ((CASE WHEN c.responded_at IS NULL THEN c.response_due_at + 1 WHEN c.response_due_at IS NULL OR c.responded_at < c.response_due_at + 1 THEN c.responded_at ELSE c.response_due_at + 1 END) + 28800000) / 1000, 'unixepoch') AS INTEGER) - 1) <= (CAST(strftime('%Y', (c.reported_at + 28800000) / 1000, 'unixepoch') AS INTEGER) * 12 + CAST(strftime('%m', (c.reported_at + 28800000) / 1000, 'unixepoch') AS INTEGER) - 1) THEN 1 ELSE 0 END AS due_response_in,
       CASE WHEN c.self_handled = 0 AND c.state NOT IN ('withdrawn', 'merged') AND c.accepted_at IS NOT NULL AND c.response_due_at IS NOT NULL AND c.responded_at <= c.response_due_at AND c.responded_at IS NOT NULL AND (CAST(strftime('%Y', (c.responded_at + 28800000) / 1000, 'unixepoch') AS INTEGER) * 12 + CAST(strftime('%m', (c.responded_at + 28800000) / 1000, 'unixepoch') AS INTEGER) - 1) <= (CAST(strftime('%Y', (c.reported_at + 28800000) / 1000, 'unixepoch') AS INTEGER) * 12 + CAST(strftime('%m', (c.reported_at + 28800000) / 1000, 'unixepoch') AS INTEGER) - 1) THEN 1 ELSE 0 END AS responded_on_time_in
FROM cases c CROSS JOIN (SELECT 0 AS span UNION ALL SELECT 1 UNION ALL SELECT 16) s) x
GROUP BY code, span, day;

-- A new case not yet accepted (every intake): only received, rejected and self_handled
-- can hold; one upsert of three rows.
CREATE TRIGGER case_rates_intake AFTER INSERT ON cases
WHEN NEW.accepted_at IS NULL AND NEW.state NOT IN ('withdrawn', 'merged')
BEGIN
    INSERT INTO case_rate_counts (code, span, day, received, rejected, self_handled)
    SELECT NEW.grid_code, s.span, CASE s.span WHEN 0 THEN d.m WHEN 1 THEN d.d
                                  ELSE d.d - d.d % 16 END, r.rc, r.rj, r.sh
    FROM (SELECT (NEW.reported_at + 28800000) / 86400000 AS d, (CAST(strftime('%Y', (NEW.reported_at + 28800000) / 1000, 'unixepoch') AS INTEGER) * 12 + CAST(strftime('%m', (NEW.reported_at + 28800000) / 1000, 'unixepoch') AS INTEGER) - 1) AS m) d,
         (SELECT 1 - NEW.self_handled AS rc,
                 CASE WHEN NEW.self_handled = 0 AND NEW.state = 'rejected' THEN 1 ELSE 0 END AS rj,
                 NEW.self_handled AS sh) r,
         (SELECT 0 AS span UNION ALL SELECT 1 UNION ALL SELECT 16) s WHERE true
    ON CONFLICT (code, span, day) DO UPDATE SET
        received = received + excluded.received, rejected = rejected + excluded.rejected,
        self_handled = self_handled + excluded.self_handled;
END;

CREATE TRIGGER case_rates_insert AFTER INSERT ON cases
WHEN NOT (NEW.accepted_at IS NULL AND NEW.state NOT IN ('withdrawn', 'merged'))
BEGIN
    INSERT INTO case_rate_counts (code, span, day, received, registered, rejected, withdrawn, merged, dispatched, rated, resolved, satisfied, basically_satisfied, unsatisfied, self_handled, escalated, due, closed, closed_on_time, reworked, extended, due_response, responded_on_time, due_in, closed_in, closed_on_time_in, reworked_in, extended_in, due_response_in, responded_on_time_in)
    SELECT NEW.grid_code, s.span, CASE s.span WHEN 0 THEN (CAST(strftime('%Y', (NEW.reported_at + 28800000) / 1000, 'unixepoch') AS INTEGER) * 12 + CAST(strftime('%m', (NEW.reported_at + 28800000) / 1000, 'unixepoch') AS INTEGER) - 1) WHEN 1 THEN (NEW.reported_at + 28800000) / 86400000 ELSE (NEW.reported_at + 28800000) / 86400000 - (NEW.reported_at + 28800000) / 86400000 % 16 END,
           CASE WHEN NEW.self_handled = 0 AND NEW.state NOT IN ('withdrawn', 'merged') THEN 1 ELSE 0 END,
           CASE WHEN NEW.self_handled = 0 AND NEW.state NOT IN ('withdrawn', 'merged') AND NEW.accepted_at IS NOT NULL THEN 1 ELSE 0 END,
           CASE WHEN NEW.self_handled = 0 AND NEW.state NOT IN ('withdrawn', 'merged') AND NEW.state = 'rejected' THEN 1 ELSE 0 END,
           CASE WHEN NEW.state = 'withdrawn' THEN 1 ELSE 0 END,
           CASE WHEN NEW.state = 'merged' THEN 1 ELSE 0 END,
           CASE WHEN NEW.self_handled = 0 AND NEW.state NOT IN ('withdrawn', 'merged') AND NEW.accepted_at IS NOT NULL AND (NEW.dispatched_at IS NOT NULL OR NEW.escalated = 1) THEN 1 ELSE 0 END,
           CASE WHEN NEW.self_handled = 0 AND NEW.state NOT IN ('withdrawn', 'merged') AND NEW.accepted_at IS NOT NULL AND NEW.satisfaction IS NOT NULL THEN 1 ELSE 0 END,
           CASE WHEN NEW.self_handled = 0 AND NEW.state NOT IN ('withdrawn', 'merged') AND NEW.accepted_at IS NOT NULL AND NEW.satisfaction IS NOT NULL AND NEW.resolved = 1 THEN 1 ELSE 0 END,
           CASE WHEN NEW.self_handled = 0 AND NEW.state NOT IN ('withdrawn', 'merged') AND NEW.accepted_at IS NOT NULL AND NEW.satisfaction = 'satisfied' THEN 1 ELSE 0 END,
           CASE WHEN NEW.self_handled = 0 AND NEW.state NOT IN ('withdrawn', 'merged') AND NEW.accepted_at IS NOT NULL AND NEW.satisfaction = 'basically_satisfied' THEN 1 ELSE 0 END,
           CASE WHEN NEW.self_handled = 0 AND NEW.state NOT IN ('withdrawn', 'merged') AND NEW.accepted_at IS NOT NULL AND NEW.satisfaction = 'unsatisfied' THEN 1 ELSE 0 END,
           CASE WHEN NEW.self_handled = 1 THEN 1 ELSE 0 END,
           CASE WHEN NEW.self_handled = 0 AND NEW.state NOT IN ('withdrawn', 'merged') AND NEW.accepted_at IS NOT NULL AND NEW.escalated = 1 THEN 1 ELSE 0 END,
           CASE WHEN NEW.self_handled = 0 AND NEW.state NOT IN ('withdrawn', 'merged') AND NEW.accepted_at IS NOT NULL AND (CASE WHEN NEW.closed_at IS NULL THEN NEW.due_at WHEN NEW.due_at IS NULL OR NEW.closed_at < NEW.due_at THEN NEW.closed_at ELSE NEW.due_at END) IS NOT NULL THEN 1 ELSE 0 END,
           CASE WHEN NEW.self_handled = 0 AND NEW.state NOT IN ('withdrawn', 'merged') AND NEW.accepted_at IS NOT NULL AND NEW.closed_at IS NOT NULL THEN 1 ELSE 0 END,
           CASE WHEN NEW.self_handled = 0 AND NEW.state NOT IN ('withdrawn', 'merged') AND NEW.accepted_at IS NOT NULL AND NEW.handled_at IS NOT NULL AND NEW.due_at IS NOT NULL AND NEW.handled_at <= NEW.due_at AND NEW.closed_at IS NOT NULL THEN 1 ELSE 0 END,
           CASE WHEN NEW.self_handled = 0 AND NEW.state NOT IN ('withdrawn', 'merged') AND NEW.accepted_at IS NOT NULL AND NEW.rework_count > 0 AND (CASE WHEN NEW.closed_at IS NULL THEN NEW.due_at WHEN NEW.due_at IS NULL OR NEW.closed_at < NEW.due_at THEN NEW.closed_at ELSE NEW.due_at END) IS NOT NULL THEN 1 ELSE 0 END,
           CASE WHEN NEW.self_handled = 0 AND NEW.state NOT IN ('withdrawn', 'merged') AND NEW.accepted_at IS NOT NULL AND NEW.extension_count > 0 AND (CASE WHEN NEW.closed_at IS NULL THEN NEW.due_at WHEN NEW.due_at IS NULL OR NEW.closed_at < NEW.due_at THEN NEW.closed_at ELSE NEW.due_at END) IS NOT NULL THEN 1 ELSE 0 END,
           CASE WHEN NEW.self_handled = 0 AND NEW.state NOT IN ('withdrawn', 'merged') AND NEW.accepted_at IS NOT NULL AND (CASE WHEN NEW.responded_at IS NULL THEN NEW.response_due_at + 1 WHEN NEW.response_due_at IS NULL OR NEW.responded_at < NEW.response_due_at + 1 THEN NEW.responded_at ELSE NEW.response_due_at + 1 END) IS NOT NULL THEN 1 ELSE 0 END,
           CASE WHEN NEW.self_handled = 0 AND NEW.state NOT IN ('withdrawn', 'merged') AND NEW.accepted_at IS NOT NULL AND NEW.response_due_at IS NOT NULL AND NEW.responded_at <= NEW.response_due_at AND NEW.responded_at IS NOT NULL THEN 1 ELSE 0 END,
           CASE WHEN NEW.self_handled = 0 AND NEW.state NOT IN ('withdrawn', 'merged') AND NEW.accepted_at IS NOT NULL AND (CASE WHEN NEW.closed_at IS NULL THEN NEW.due_at WHEN NEW.due_at IS NULL OR NEW.closed_at < NEW.due_at THEN NEW.closed_at ELSE NEW.due_at END) IS NOT NULL AND (CAST(strftime('%Y', ((CASE WHEN NEW.closed_at IS NULL THEN NEW.due_at WHEN NEW.due_at IS NULL OR NEW.closed_at < NEW.due_at THEN NEW.closed_at ELSE NEW.due_at END) + 28800000) / 1000, 'unixepoch') AS INTEGER) * 12 + CAST(strftime('%m', ((CASE WHEN NEW.closed_at IS NULL THEN NEW.due_at WHEN NEW.due_at IS NULL OR NEW.closed_at < NEW.due_at THEN NEW.closed_at ELSE NEW.due_at END) + 28800000) / 1000, 'unixepoch') AS INTEGER) - 1) <= (CAST(strftime('%Y', (NEW.reported_at + 28800000) / 1000, 'unixepoch') AS INTEGER) * 12 + CAST(strftime('%m', (NEW.reported_at + 28800000) / 1000, 'unixepoch') AS INTEGER) - 1) THEN 1 ELSE 0 END,
           CASE WHEN NEW.self_handled = 0 AND NEW.state NOT IN ('withdrawn', 'merged') AND NEW.accepted_at IS NOT NULL AND NEW.closed_at IS NOT NULL AND (CAST(strftime('%Y', (NEW.closed_at + 28800000) / 1000, 'unixepoch') AS INTEGER) * 12 + CAST(strftime('%m', (NEW.closed_at + 28800000) / 1000, 'unixepoch') AS INTEGER) - 1) <= (CAST(strftime('%Y', (NEW.reported_at + 28800000) / 1000, 'unixepoch') AS INTEGER) * 12 + CAST(strftime('%m', (NEW.reported_at + 28800000) / 1000, 'unixepoch') AS INTEGER) - 1) THEN 1 ELSE 0 END,
           CASE WHEN NEW.self_handled = 0 AND NEW.state NOT IN ('withdrawn', 'merged') AND NEW.accepted_at IS NOT NULL AND NEW.handled_at IS NOT NULL AND NEW.due_at IS NOT NULL AND NEW.handled_at <= NEW.due_at AND NEW.closed_at IS NOT NULL AND (CAST(strftime('%Y', (NEW.closed_at + 28800000) / 1000, 'unixepoch') AS INTEGER) * 12 + CAST(strftime('%m', (NEW.closed_at + 28800000) / 1000, 'unixepoch') AS INTEGER) - 1) <= (CAST(strftime('%Y', (NEW.reported_at + 28800000) / 1000, 'unixepoch') AS INTEGER) * 12 + CAST(strftime('%m', (NEW.reported_at + 28800000) / 1000, 'unixepoch') AS INTEGER) - 1) THEN 1 ELSE 0 END,
           CASE WHEN NEW.self_handled = 0 AND NEW.state NOT IN ('withdrawn', 'merged') AND NEW.accepted_at IS NOT NULL AND NEW.rework_count > 0 AND (CASE WHEN NEW.closed_at IS NULL THEN NEW.due_at WHEN NEW.due_at IS NULL OR NEW.closed_at < NEW.due_at THEN NEW.closed_at ELSE NEW.due_at END) IS NOT NULL AND (CAST(strftime('%Y', ((CASE WHEN NEW.closed_at IS NULL THEN NEW.due_at WHEN NEW.due_at IS NULL OR NEW.closed_at < NEW.due_at THEN NEW.closed_at ELSE NEW.due_at END) + 28800000) / 1000, 'unixepoch') AS INTEGER) * 12 + CAST(strftime('%m', ((CASE WHEN NEW.closed_at IS NULL THEN NEW.due_at WHEN NEW.due_at IS NULL OR NEW.closed_at < NEW.due_at THEN NEW.closed_at ELSE NEW.due_at END) + 28800000) / 1000, 'unixepoch') AS INTEGER) - 1) <= (CAST(strftime('%Y', (NEW.reported_at + 28800000) / 1000, 'unixepoch') AS INTEGER) * 12 + CAST(strftime('%m', (NEW.reported_at + 28800000) / 1000, 'unixepoch') AS INTEGER) - 1) THEN 1 ELSE 0 END,
           CASE WHEN NEW.self_handled = 0 AND NEW.state NOT IN ('withdrawn', 'merged') AND NEW.accepted_at IS NOT NULL AND NEW.extension_count > 0 AND (CASE WHEN NEW.closed_at IS NULL THEN NEW.due_at WHEN NEW.due_at IS NULL OR NEW.closed_at < NEW.due_at THEN NEW.closed_at ELSE NEW.due_at END) IS NOT NULL AND (CAST(strftime('%Y', ((CASE WHEN NEW.closed_at IS NULL THEN NEW.due_at WHEN NEW.due_at IS NULL OR NEW.closed_at < NEW.due_at THEN NEW.closed_at ELSE NEW.due_at END) + 28800000) / 1000, 'unixepoch') AS INTEGER) * 12 + CAST(strftime('%m', ((CASE WHEN NEW.closed_at IS NULL THEN NEW.due_at WHEN NEW.due_at IS NULL OR NEW.closed_at < NEW.due_at THEN NEW.closed_at ELSE NEW.due_at END) + 28800000) / 1000, 'unixepoch') AS INTEGER) - 1) <= (CAST(strftime('%Y', (NEW.reported_at + 28800000) / 1000, 'unixepoch') AS INTEGER) * 12 + CAST(strftime('%m', (NEW.reported_at + 28800000) / 1000, 'unixepoch') AS INTEGER) - 1) THEN 1 ELSE 0 END,
           CASE WHEN NEW.self_handled = 0 AND NEW.state NOT IN ('withdrawn', 'merged') AND NEW.accepted_at IS NOT NULL AND (CASE WHEN NEW.responded_at IS NULL THEN NEW.response_due_at + 1 WHEN NEW.response_due_at IS NULL OR NEW.responded_at < NEW.response_due_at + 1 THEN NEW.responded_at ELSE NEW.response_due_at + 1 END) IS NOT NULL AND (CAST(strftime('%Y', ((CASE WHEN NEW.responded_at IS NULL THEN NEW.response_due_at + 1 WHEN NEW.response_due_at IS NULL OR NEW.responded_at < NEW.response_due_at + 1 THEN NEW.responded_at ELSE NEW.response_due_at + 1 END) + 28800000) / 1000, 'unixepoch') AS INTEGER) * 12 + CAST(strftime('%m', ((CASE WHEN NEW.responded_at IS NULL THEN NEW.response_due_at + 1 WHEN NEW.response_due_at IS NULL OR NEW.responded_at < NEW.response_due_at + 1 THEN NEW.responded_at ELSE NEW.response_due_at + 1 END) + 28800000) / 1000, 'unixepoch') AS INTEGER) - 1) <= (CAST(strftime('%Y', (NEW.reported_at + 28800000) / 1000, 'unixepoch') AS INTEGER) * 12 + CAST(strftime('%m', (NEW.reported_at + 28800000) / 1000, 'unixepoch') AS INTEGER) - 1) THEN 1 ELSE 0 END,
           CASE WHEN NEW.self_handled = 0 AND NEW.state NOT IN ('withdrawn', 'merged') AND NEW.accepted_at IS NOT NULL AND NEW.response_due_at IS NOT NULL AND NEW.responded_at <= NEW.response_due_at AND NEW.responded_at IS NOT NULL AND (CAST(strftime('%Y', (NEW.responded_at + 28800000) / 1000, 'unixepoch') AS INTEGER) * 12 + CAST(strftime('%m', (NEW.responded_at + 28800000) / 1000, 'unixepoch') AS INTEGER) - 1) <= (CAST(strftime('%Y', (NEW.reported_at + 28800000) / 1000, 'unixepoch') AS INTEGER) * 12 + CAST(strftime('%m', (NEW.reported_at + 28800000) / 1000, 'unixepoch') AS INTEGER) - 1) THEN 1 ELSE 0 END
    FROM (SELECT 0 AS span UNION ALL SELECT 1 UNION ALL SELECT 16) s WHERE true
    ON CONFLICT (code, span, day) DO UPDATE SET
        received = received + excluded.received,
        registered = registered + excluded.registered,
        rejected = rejected + excluded.rejected,
        withdrawn = withdrawn + excluded.withdrawn,
        merged = merged + excluded.merged,
        dispatched = dispatched + excluded.dispatched,
        rated = rated + excluded.rated,
        resolved = resolved + excluded.resolved,
        satisfied = satisfied + excluded.satisfied,
        basically_satisfied = basically_satisfied + excluded.basically_satisfied,
        unsatisfied = unsatisfied + excluded.unsatisfied,
        self_handled = self_handled + excluded.self_handled,
        escalated = escalated + excluded.escalated,
        due = due + excluded.due,
        closed = closed + excluded.closed,
        closed_on_time = closed_on_time + excluded.closed_on_time,
        reworked = reworked + excluded.reworked,
        extended = extended + excluded.extended,
        due_response = due_response + excluded.due_response,
        responded_on_time = responded_on_time + excluded.responded_on_time,
        due_in = due_in + excluded.due_in,
        closed_in = closed_in + excluded.closed_in,
        closed_on_time_in = closed_on_time_in + excluded.closed_on_time_in,
        reworked_in = reworked_in + excluded.reworked_in,
        extended_in = extended_in + excluded.extended_in,
        due_response_in = due_response_in + excluded.due_response_in,
        responded_on_time_in = responded_on_time_in + excluded.responded_on_time_in;
END;

CREATE TRIGGER case_rates_update AFTER UPDATE OF grid_code, reported_at, self_handled, state, accepted_at, dispatched_at, escalated, satisfaction, resolved, closed_at, due_at, handled_at, rework_count, extension_count, responded_at, response_due_at ON cases
WHEN OLD.grid_code IS NOT NEW.grid_code
    OR OLD.reported_at IS NOT NEW.reported_at
    OR OLD.self_handled IS NOT NEW.self_handled
    OR OLD.state IS NOT NEW.state
    OR OLD.accepted_at IS NOT NEW.accepted_at
    OR OLD.dispatched_at IS NOT NEW.dispatched_at
    OR OLD.escalated IS NOT NEW.escalated
    OR OLD.satisfaction IS NOT NEW.satisfaction
    OR OLD.resolved IS NOT NEW.resolved
    OR OLD.closed_at IS NOT NEW.closed_at
    OR OLD.due_at IS NOT NEW.due_at
    OR OLD.handled_at IS NOT NEW.handled_at
    OR OLD.rework_count IS NOT NEW.rework_count
    OR OLD.extension_count IS NOT NEW.extension_count
    OR OLD.responded_at IS NOT NEW.responded_at
    OR OLD.response_due_at IS NOT NEW.response_due_at
BEGIN
    INSERT INTO case_rate_counts (code, span, day, received, registered, rejected, withdrawn, merged, dispatched, rated, resolved, satisfied, basically_satisfied, unsatisfied, self_handled, escalated, due, closed, closed_on_time, reworked, extended, due_response, responded_on_time, due_in, closed_in, closed_on_time_in, reworked_in, extended_in, due_response_in, responded_on_time_in)
    SELECT * FROM (SELECT OLD.grid_code, s.span, CASE s.span WHEN 0 THEN (CAST(strftime('%Y', (OLD.reported_at + 28800000) / 1000, 'unixepoch') AS INTEGER) * 12 + CAST(strftime('%m', (OLD.reported_at + 28800000) / 1000, 'unixepoch') AS INTEGER) - 1) WHEN 1 THEN (OLD.reported_at + 28800000) / 86400000 ELSE (OLD.reported_at + 28800000) / 86400000 - (OLD.reported_at + 28800000) / 86400000 % 16 END,
           CASE WHEN OLD.self_handled = 0 AND OLD.state NOT IN ('withdrawn', 'merged') THEN -1 ELSE 0 END,
           CASE WHEN OLD.self_handled = 0 AND OLD.state NOT IN ('withdrawn', 'merged') AND OLD.accepted_at IS NOT NULL THEN -1 ELSE 0 END,
           CASE WHEN OLD.self_handled = 0 AND OLD.state NOT IN ('withdrawn', 'merged') AND OLD.state = 'rejected' THEN -1 ELSE 0 END,
           CASE WHEN OLD.state = 'withdrawn' THEN -1 ELSE 0 END,
           CASE WHEN OLD.state = 'merged' THEN -1 ELSE 0 END,
           CASE WHEN OLD.self_handled = 0 AND OLD.state NOT IN ('withdrawn', 'merged') AND OLD.accepted_at IS NOT NULL AND (OLD.dispatched_at IS NOT NULL OR OLD.escalated = 1) THEN -1 ELSE 0 END,
           CASE WHEN OLD.self_handled = 0 AND OLD.state NOT IN ('withdrawn', 'merged') AND OLD.accepted_at IS NOT NULL AND OLD.satisfaction IS NOT NULL THEN -1 ELSE 0 END,
           CASE WHEN OLD.self_handled = 0 AND OLD.state NOT IN ('withdrawn', 'merged') AND OLD.accepted_at IS NOT NULL AND OLD.satisfaction IS NOT NULL AND OLD.resolved = 1 THEN -1 ELSE 0 END,
           CASE WHEN OLD.self_handled = 0 AND OLD.state NOT IN ('withdrawn', 'merged') AND OLD.accepted_at IS NOT NULL AND OLD.satisfaction = 'satisfied' THEN -1 ELSE 0 END,
           CASE WHEN OLD.self_handled = 0 AND OLD.state NOT IN ('withdrawn', 'merged') AND OLD.accepted_at IS NOT NULL AND OLD.satisfaction = 'basically_satisfied' THEN -1 ELSE 0 END,
           CASE WHEN OLD.self_handled = 0 AND OLD.state NOT IN ('withdrawn', 'merged') AND OLD.accepted_at IS NOT NULL AND OLD.satisfaction = 'unsatisfied' THEN -1 ELSE 0 END,
           CASE WHEN OLD.self_handled = 1 THEN -1 ELSE 0 END,
           CASE WHEN OLD.self_handled = 0 AND OLD.state NOT IN ('withdrawn', 'merged') AND OLD.accepted_at IS NOT NULL AND OLD.escalated = 1 THEN -1 ELSE 0 END,
           CASE WHEN OLD.self_handled = 0 AND OLD.state NOT IN ('withdrawn', 'merged') AND OLD.accepted_at IS NOT NULL AND (CASE WHEN OLD.closed_at IS NULL THEN OLD.due_at WHEN OLD.due_at IS NULL OR OLD.closed_at < OLD.due_at THEN OLD.closed_at ELSE OLD.due_at END) IS NOT NULL THEN -1 ELSE 0 END,
           CASE WHEN OLD.self_handled = 0 AND OLD.state NOT IN ('withdrawn', 'merged') AND OLD.accepted_at IS NOT NULL AND OLD.closed_at IS NOT NULL THEN -1 ELSE 0 END,
           CASE WHEN OLD.self_handled = 0 AND OLD.state NOT IN ('withdrawn', 'merged') AND OLD.accepted_at IS NOT NULL AND OLD.handled_at IS NOT NULL AND OLD.due_at IS NOT NULL AND OLD.handled_at <= OLD.due_at AND OLD.closed_at IS NOT NULL THEN -1 ELSE 0 END,
           CASE WHEN OLD.self_handled = 0 AND OLD.state NOT IN ('withdrawn', 'merged') AND OLD.accepted_at IS NOT NULL AND OLD.rework_count > 0 AND (CASE WHEN OLD.closed_at IS NULL THEN OLD.due_at WHEN OLD.due_at IS NULL OR OLD.closed_at < OLD.due_at THEN OLD.closed_at ELSE OLD.due_at END) IS NOT NULL THEN -1 ELSE 0 END,
           CASE WHEN OLD.self_handled = 0 AND OLD.state NOT IN ('withdrawn', 'merged') AND OLD.accepted_at IS NOT NULL AND OLD.extension_count > 0 AND (CASE WHEN OLD.closed_at IS NULL THEN OLD.due_at WHEN OLD.due_at IS NULL OR OLD.closed_at < OLD.due_at THEN OLD.closed_at ELSE OLD.due_at END) IS NOT NULL THEN -1 ELSE 0 END,
           CASE WHEN OLD.self_handled = 0 AND OLD.state NOT IN ('withdrawn', 'merged') AND OLD.accepted_at IS NOT NULL AND (CASE WHEN OLD.responded_at IS NULL THEN OLD.response_due_at + 1 WHEN OLD.response_due_at IS NULL OR OLD.responded_at < OLD.response_due_at + 1 THEN OLD.responded_at ELSE OLD.response_due_at + 1 END) IS NOT NULL THEN -1 ELSE 0 END,
           CASE WHEN OLD.self_handled = 0 AND OLD.state NOT IN ('withdrawn', 'merged') AND OLD.accepted_at IS NOT NULL AND OLD.response_due_at IS NOT NULL AND OLD.responded_at <= OLD.response_due_at AND OLD.responded_at IS NOT NULL THEN -1 ELSE 0 END,
           CASE WHEN OLD.self_handled = 0 AND OLD.state NOT IN ('withdrawn', 'merged') AND OLD.accepted_at IS NOT NULL AND (CASE WHEN OLD.closed_at IS NULL THEN OLD.due_at WHEN OLD.due_at IS NULL OR OLD.closed_at < OLD.due_at THEN OLD.closed_at ELSE OLD.due_at END) IS NOT NULL AND (CAST(strftime('%Y', ((CASE WHEN OLD.closed_at IS NULL THEN OLD.due_at WHEN OLD.due_at IS NULL OR OLD.closed_at < OLD.due_at THEN OLD.closed_at ELSE OLD.due_at END) + 28800000) / 1000, 'unixepoch') AS INTEGER) * 12 + CAST(strftime('%m', ((CASE WHEN OLD.closed_at IS NULL THEN OLD.due_at WHEN OLD.due_at IS NULL OR OLD.closed_at < OLD.due_at THEN OLD.closed_at ELSE OLD.due_at END) + 28800000) / 1000, 'unixepoch') AS INTEGER) - 1) <= (CAST(strftime('%Y', (OLD.reported_at + 28800000) / 1000, 'unixepoch') AS INTEGER) * 12 + CAST(strftime('%m', (OLD.reported_at + 28800000) / 1000, 'unixepoch') AS INTEGER) - 1) THEN -1 ELSE 0 END,
           CASE WHEN OLD.self_handled = 0 AND OLD.state NOT IN ('withdrawn', 'merged') AND OLD.accepted_at IS NOT NULL AND OLD.closed_at IS NOT NULL AND (CAST(strftime('%Y', (OLD.closed_at + 28800000) / 1000, 'unixepoch') AS INTEGER) * 12 + CAST(strftime('%m', (OLD.closed_at + 28800000) / 1000, 'unixepoch') AS INTEGER) - 1) <= (CAST(strftime('%Y', (OLD.reported_at + 28800000) / 1000, 'unixepoch') AS INTEGER) * 12 + CAST(strftime('%m', (OLD.reported_at + 28800000) / 1000, 'unixepoch') AS INTEGER) - 1) THEN -1 ELSE 0 END,
           CASE WHEN OLD.self_handled = 0 AND OLD.state NOT IN ('withdrawn', 'merged') AND OLD.accepted_at IS NOT NULL AND OLD.handled_at IS NOT NULL AND OLD.due_at IS NOT NULL AND OLD.handled_at <= OLD.due_at AND OLD.closed_at IS NOT NULL AND (CAST(strftime('%Y', (OLD.closed_at + 28800000) / 1000, 'unixepoch') AS INTEGER) * 12 + CAST(strftime('%m', (OLD.closed_at + 28800000) / 1000, 'unixepoch') AS INTEGER) - 1) <= (CAST(strftime('%Y', (OLD.reported_at + 28800000) / 1000, 'unixepoch') AS INTEGER) * 12 + CAST(strftime('%m', (OLD.reported_at + 28800000) / 1000, 'unixepoch') AS INTEGER) - 1) THEN -1 ELSE 0 END,
           CASE WHEN OLD.self_handled = 0 AND OLD.state NOT IN ('withdrawn', 'merged') AND OLD.accepted_at IS NOT NULL AND OLD.rework_count > 0 AND (CASE WHEN OLD.closed_at IS NULL THEN OLD.due_at WHEN OLD.due_at IS NULL OR OLD.closed_at < OLD.due_at THEN OLD.closed_at ELSE OLD.due_at END) IS NOT NULL AND (CAST(strftime('%Y', ((CASE WHEN OLD.closed_at IS NULL THEN OLD.due_at WHEN OLD.due_at IS NULL OR OLD.closed_at < OLD.due_at THEN OLD.closed_at ELSE OLD.due_at END) + 28800000) / 1000, 'unixepoch') AS INTEGER) * 12 + CAST(strftime('%m', ((CASE WHEN OLD.closed_at IS NULL THEN OLD.due_at WHEN OLD.due_at IS NULL OR OLD.closed_at < OLD.due_at THEN OLD.closed_at ELSE OLD.due_at END) + 28800000) / 1000, 'unixepoch') AS INTEGER) - 1) <= (CAST(strftime('%Y', (OLD.reported_at + 28800000) / 1000, 'unixepoch') AS INTEGER) * 12 + CAST(strftime('%m', (OLD.reported_at + 28800000) / 1000, 'unixepoch') AS INTEGER) - 1) THEN -1 ELSE 0 END,
           CASE WHEN OLD.self_handled = 0 AND OLD.state NOT IN ('withdrawn', 'merged') AND OLD.accepted_at IS NOT NULL AND OLD.extension_count > 0 AND (CASE WHEN OLD.closed_at IS NULL THEN OLD.due_at WHEN OLD.due_at IS NULL OR OLD.closed_at < OLD.due_at THEN OLD.closed_at ELSE OLD.due_at END) IS NOT NULL AND (CAST(strftime('%Y', ((CASE WHEN OLD.closed_at IS NULL THEN OLD.due_at WHEN OLD.due_at IS NULL OR OLD.closed_at < OLD.due_at THEN OLD.closed_at ELSE OLD.due_at END) + 28800000) / 1000, 'unixepoch') AS INTEGER) * 12 + CAST(strftime('%m', ((CASE WHEN OLD.closed_at IS NULL THEN OLD.due_at WHEN OLD.due_at IS NULL OR OLD.closed_at < OLD.due_at THEN OLD.closed_at ELSE OLD.due_at END) + 28800000) / 1000, 'unixepoch') AS INTEGER) - 1) <= (CAST(strftime('%Y', (OLD.reported_at + 28800000) / 1000, 'unixepoch') AS INTEGER) * 12 + CAST(strftime('%m', (OLD.reported_at + 28800000) / 1000, 'unixepoch') AS INTEGER) - 1) THEN -1 ELSE 0 END,
           CASE WHEN OLD.self_handled = 0 AND OLD.state NOT IN ('withdrawn', 'merged') AND OLD.accepted_at IS NOT NULL AND (CASE WHEN OLD.responded_at IS NULL THEN OLD.response_due_at + 1 WHEN OLD.response_due_at IS NULL OR OLD.responded_at < OLD.response_due_at + 1 THEN OLD.responded_at ELSE OLD.response_due_at + 1 END) IS NOT NULL AND (CAST(strftime('%Y', ((CASE WHEN OLD.responded_at IS NULL THEN OLD.response_due_at + 1 WHEN OLD.response_due_at IS NULL OR OLD.responded_at < OLD.response_due_at + 1 THEN OLD.responded_at ELSE OLD.response_due_at + 1 END) + 28800000) / 1000, 'unixepoch') AS INTEGER) * 12 + CAST(strftime('%m', ((CASE WHEN OLD.responded_at IS NULL THEN OLD.response_due_at + 1 WHEN OLD.response_due_at IS NULL OR OLD.responded_at < OLD.response_due_at + 1 THEN OLD.responded_at ELSE OLD.response_due_at + 1 END) + 28800000) / 1000, 'unixepoch') AS INTEGER) - 1) <= (CAST(strftime('%Y', (OLD.reported_at + 28800000) / 1000, 'unixepoch') AS INTEGER) * 12 + CAST(strftime('%m', (OLD.reported_at + 28800000) / 1000, 'unixepoch') AS INTEGER) - 1) THEN -1 ELSE 0 END,
           CASE WHEN OLD.self_handled = 0 AND OLD.state NOT IN ('withdrawn', 'merged') AND OLD.accepted_at IS NOT NULL AND OLD.response_due_at IS NOT NULL AND OLD.responded_at <= OLD.response_due_at AND OLD.responded_at IS NOT NULL AND (CAST(strftime('%Y', (OLD.responded_at + 28800000) / 1000, 'unixepoch') AS INTEGER) * 12 + CAST(strftime('%m', (OLD.responded_at + 28800000) / 1000, 'unixepoch') AS INTEGER) - 1) <= (CAST(strftime('%Y', (OLD.reported_at + 28800000) / 1000, 'unixepoch') AS INTEGER) * 12 + CAST(strftime('%m', (OLD.reported_at + 28800000) / 1000, 'unixepoch') AS INTEGER) - 1) THEN -1 ELSE 0 END
    FROM (SELECT 0 AS span UNION ALL SELECT 1 UNION ALL SELECT 16) s WHERE true
    UNION ALL
    SELECT NEW.grid_code, s.span, CASE s.span WHEN 0 THEN (CAST(strftime('%Y', (NEW.reported_at + 28800000) / 1000, 'unixepoch') AS INTEGER) * 12 + CAST(strftime('%m', (NEW.reported_at + 28800000) / 1000, 'unixepoch') AS INTEGER) - 1) WHEN 1 THEN (NEW.reported_at + 28800000) / 86400000 ELSE (NEW.reported_at + 28800000) / 86400000 - (NEW.reported_at + 28800000) / 86400000 % 16 END,
           CASE WHEN NEW.self_handled = 0 AND NEW.state NOT IN ('withdrawn', 'merged') THEN 1 ELSE 0 END,
           CASE WHEN NEW.self_handled = 0 AND NEW.state NOT IN ('withdrawn', 'merged') AND NEW.accepted_at IS NOT NULL THEN 1 ELSE 0 END,
           CASE WHEN NEW.self_handled = 0 AND NEW.state NOT IN ('withdrawn', 'merged') AND NEW.state = 'rejected' THEN 1 ELSE 0 END,
           CASE WHEN NEW.state = 'withdrawn' THEN 1 ELSE 0 END,
           CASE WHEN NEW.state = 'merged' THEN 1 ELSE 0 END,
           CASE WHEN NEW.self_handled = 0 AND NEW.state NOT IN ('withdrawn', 'merged') AND NEW.accepted_at IS NOT NULL AND (NEW.dispatched_at IS NOT NULL OR NEW.escalated = 1) THEN 1 ELSE 0 END,
           CASE WHEN NEW.self_handled = 0 AND NEW.state NOT IN ('withdrawn', 'merged') AND NEW.accepted_at IS NOT NULL AND NEW.satisfaction IS NOT NULL THEN 1 ELSE 0 END,
           CASE WHEN NEW.self_handled = 0 AND NEW.state NOT IN ('withdrawn', 'merged') AND NEW.accepted_at IS NOT NULL AND NEW.satisfaction IS NOT NULL AND NEW.resolved = 1 THEN 1 ELSE 0 END,
           CASE WHEN NEW.self_handled = 0 AND NEW.state NOT IN ('withdrawn', 'merged') AND NEW.accepted_at IS NOT NULL AND NEW.satisfaction = 'satisfied' THEN 1 ELSE 0 END,
           CASE WHEN NEW.self_handled = 0 AND NEW.state NOT IN ('withdrawn', 'merged') AND NEW.accepted_at IS NOT NULL AND NEW.satisfaction = 'basically_satisfied' THEN 1 ELSE 0 END,
           CASE WHEN NEW.self_handled = 0 AND NEW.state NOT IN ('withdrawn', 'merged') AND NEW.accepted_at IS NOT NULL AND NEW.satisfaction = 'unsatisfied' THEN 1 ELSE 0 END,
           CASE WHEN NEW.self_handled = 1 THEN 1 ELSE 0 END,
           CASE WHEN NEW.self_handled = 0 AND NEW.state NOT IN ('withdrawn', 'merged') AND NEW.accepted_at IS NOT NULL AND NEW.escalated = 1 THEN 1 ELSE 0 END,
           CASE WHEN NEW.self_handled = 0 AND NEW.state NOT IN ('withdrawn', 'merged') AND NEW.accepted_at IS NOT NULL AND (CASE WHEN NEW.closed_at IS NULL THEN NEW.due_at WHEN NEW.due_at IS NULL OR NEW.closed_at < NEW.due_at THEN NEW.closed_at ELSE NEW.due_at END) IS NOT NULL THEN 1 ELSE 0 END,
           CASE WHEN NEW.self_handled = 0 AND NEW.state NOT IN ('withdrawn', 'merged') AND NEW.accepted_at IS NOT NULL AND NEW.closed_at IS NOT NULL THEN 1 ELSE 0 END,
           CASE WHEN NEW.self_handled = 0 AND NEW.state NOT IN ('withdrawn', 'merged') AND NEW.accepted_at IS NOT NULL AND NEW.handled_at IS NOT NULL AND NEW.due_at IS NOT NULL AND NEW.handled_at <= NEW.due_at AND NEW.closed_at IS NOT NULL THEN 1 ELSE 0 END,
           CASE WHEN NEW.self_handled = 0 AND NEW.state NOT IN ('withdrawn', 'merged') AND NEW.accepted_at IS NOT NULL AND NEW.rework_count > 0 AND (CASE WHEN NEW.closed_at IS NULL THEN NEW.due_at WHEN NEW.due_at IS NULL OR NEW.closed_at < NEW.due_at THEN NEW.closed_at ELSE NEW.due_at END) IS NOT NULL THEN 1 ELSE 0 END,
           CASE WHEN NEW.self_handled = 0 AND NEW.state NOT IN ('withdrawn', 'merged') AND NEW.accepted_at IS NOT NULL AND NEW.extension_count > 0 AND (CASE WHEN NEW.closed_at IS NULL THEN NEW.due_at WHEN NEW.due_at IS NULL OR NEW.closed_at < NEW.due_at THEN NEW.closed_at ELSE NEW.due_at END) IS NOT NULL THEN 1 ELSE 0 END,
           CASE WHEN NEW.self_handled = 0 AND NEW.state NOT IN ('withdrawn', 'merged') AND NEW.accepted_at IS NOT NULL AND (CASE WHEN NEW.responded_at IS NULL THEN NEW.response_due_at + 1 WHEN NEW.response_due_at IS NULL OR NEW.responded_at < NEW.response_due_at + 1 THEN NEW.responded_at ELSE NEW.response_due_at + 1 END) IS NOT NULL THEN 1 ELSE 0 END,
           CASE WHEN NEW.self_handled = 0 AND NEW.state NOT IN ('withdrawn', 'merged') AND NEW.accepted_at IS NOT NULL AND NEW.response_due_at IS NOT NULL AND NEW.responded_at <= NEW.response_due_at AND NEW.responded_at IS NOT NULL THEN 1 ELSE 0 END,
           CASE WHEN NEW.self_handled = 0 AND NEW.state NOT IN ('withdrawn', 'merged') AND NEW.accepted_at IS NOT NULL AND (CASE WHEN NEW.closed_at IS NULL THEN NEW.due_at WHEN NEW.due_at IS NULL OR NEW.closed_at < NEW.due_at THEN NEW.closed_at ELSE NEW.due_at END) IS NOT NULL AND (CAST(strftime('%Y', ((CASE WHEN NEW.closed_at IS NULL THEN NEW.due_at WHEN NEW.due_at IS NULL OR NEW.closed_at < NEW.due_at THEN NEW.closed_at ELSE NEW.due_at END) + 28800000) / 1000, 'unixepoch') AS INTEGER) * 12 + CAST(strftime('%m', ((CASE WHEN NEW.closed_at IS NULL THEN NEW.due_at WHEN NEW.due_at IS NULL OR NEW.closed_at < NEW.due_at THEN NEW.closed_at ELSE NEW.due_at END) + 28800000) / 1000, 'unixepoch') AS INTEGER) - 1) <= (CAST(strftime('%Y', (NEW.reported_at + 28800000) / 1000, 'unixepoch') AS INTEGER) * 12 + CAST(strftime('%m', (NEW.reported_at + 28800000) / 1000, 'unixepoch') AS INTEGER) - 1) THEN 1 ELSE 0 END,
           CASE WHEN NEW.self_handled = 0 AND NEW.state NOT IN ('withdrawn', 'merged') AND NEW.accepted_at IS NOT NULL AND NEW.closed_at IS NOT NULL AND (CAST(strftime('%Y', (NEW.closed_at + 28800000) / 1000, 'unixepoch') AS INTEGER) * 12 + CAST(strftime('%m', (NEW.closed_at + 28800000) / 1000, 'unixepoch') AS INTEGER) - 1) <= (CAST(strftime('%Y', (NEW.reported_at + 28800000) / 1000, 'unixepoch') AS INTEGER) * 12 + CAST(strftime('%m', (NEW.reported_at + 28800000) / 1000, 'unixepoch') AS INTEGER) - 1) THEN 1 ELSE 0 END,
           CASE WHEN NEW.self_handled = 0 AND NEW.state NOT IN ('withdrawn', 'merged') AND NEW.accepted_at IS NOT NULL AND NEW.handled_at IS NOT NULL AND NEW.due_at IS NOT NULL AND NEW.handled_at <= NEW.due_at AND NEW.closed_at IS NOT NULL AND (CAST(strftime('%Y', (NEW.closed_at + 28800000) / 1000, 'unixepoch') AS INTEGER) * 12 + CAST(strftime('%m', (NEW.closed_at + 28800000) / 1000, 'unixepoch') AS INTEGER) - 1) <= (CAST(strftime('%Y', (NEW.reported_at + 28800000) / 1000, 'unixepoch') AS INTEGER) * 12 + CAST(strftime('%m', (NEW.reported_at + 28800000) / 1000, 'unixepoch') AS INTEGER) - 1) THEN 1 ELSE 0 END,
           CASE WHEN NEW.self_handled = 0 AND NEW.state NOT IN ('withdrawn', 'merged') AND NEW.accepted_at IS NOT NULL AND NEW.rework_count > 0 AND (CASE WHEN NEW.closed_at IS NULL THEN NEW.due_at WHEN NEW.due_at IS NULL OR NEW.closed_at < NEW.due_at THEN NEW.closed_at ELSE NEW.due_at END) IS NOT NULL AND (CAST(strftime('%Y', ((CASE WHEN NEW.closed_at IS NULL THEN NEW.due_at WHEN NEW.due_at IS NULL OR NEW.closed_at < NEW.due_at THEN NEW.closed_at ELSE NEW.due_at END) + 28800000) / 1000, 'unixepoch') AS INTEGER) * 12 + CAST(strftime('%m', ((CASE WHEN NEW.closed_at IS NULL THEN NEW.due_at WHEN NEW.due_at IS NULL OR NEW.closed_at < NEW.due_at THEN NEW.closed_at ELSE NEW.due_at END) + 28800000) / 1000, 'unixepoch') AS INTEGER) - 1) <= (CAST(strftime('%Y', (NEW.reported_at + 28800000) / 1000, 'unixepoch') AS INTEGER) * 12 + CAST(strftime('%m', (NEW.reported_at + 28800000) / 1000, 'unixepoch') AS INTEGER) - 1) THEN 1 ELSE 0 END,
           CASE WHEN NEW.self_handled = 0 AND NEW.state NOT IN ('withdrawn', 'merged') AND NEW.accepted_at IS NOT NULL AND NEW.extension_count > 0 AND (CASE WHEN NEW.closed_at IS NULL THEN NEW.due_at WHEN NEW.due_at IS NULL OR NEW.closed_at < NEW.due_at THEN NEW.closed_at ELSE NEW.due_at END) IS NOT NULL AND (CAST(strftime('%Y', ((CASE WHEN NEW.closed_at IS NULL THEN NEW.due_at WHEN NEW.due_at IS NULL OR NEW.closed_at < NEW.due_at THEN NEW.closed_at ELSE NEW.due_at END) + 28800000) / 1000, 'unixepoch') AS INTEGER) * 12 + CAST(strftime('%m', ((CASE WHEN NEW.closed_at IS NULL THEN NEW.due_at WHEN NEW.due_at IS NULL OR NEW.closed_at < NEW.due_at THEN NEW.closed_at ELSE NEW.due_at END) + 28800000) / 1000, 'unixepoch') AS INTEGER) - 1) <= (CAST(strftime('%Y', (NEW.reported_at + 28800000) / 1000, 'unixepoch') AS INTEGER) * 12 + CAST(strftime('%m', (NEW.reported_at + 28800000) / 1000, 'unixepoch') AS INTEGER) - 1) THEN 1 ELSE 0 END,
           CASE WHEN NEW.self_handled = 0 AND NEW.state NOT IN ('withdrawn', 'merged') AND NEW.accepted_at IS NOT NULL AND (CASE WHEN NEW.responded_at IS NULL THEN NEW.response_due_at + 1 WHEN NEW.response_due_at IS NULL OR NEW.responded_at < NEW.response_due_at + 1 THEN NEW.responded_at ELSE NEW.response_due_at + 1 END) IS NOT NULL AND (CAST(strftime('%Y', ((CASE WHEN NEW.responded_at IS NULL THEN NEW.response_due_at + 1 WHEN NEW.response_due_at IS NULL OR NEW.responded_at < NEW.response_due_at + 1 THEN NEW.responded_at ELSE NEW.response_due_at + 1 END) + 28800000) / 1000, 'unixepoch') AS INTEGER) * 12 + CAST(strftime('%m', ((CASE WHEN NEW.responded_at IS NULL THEN NEW.response_due_at + 1 WHEN NEW.response_due_at IS NULL OR NEW.responded_at < NEW.response_due_at + 1 THEN NEW.responded_at ELSE NEW.response_due_at + 1 END) + 28800000) / 1000, 'unixepoch') AS INTEGER) - 1) <= (CAST(strftime('%Y', (NEW.reported_at + 28800000) / 1000, 'unixepoch') AS INTEGER) * 12 + CAST(strftime('%m', (NEW.reported_at + 28800000) / 1000, 'unixepoch') AS INTEGER) - 1) THEN 1 ELSE 0 END,
           CASE WHEN NEW.self_handled = 0 AND NEW.state NOT IN ('withdrawn', 'merged') AND NEW.accepted_at IS NOT NULL AND NEW.response_due_at IS NOT NULL AND NEW.responded_at <= NEW.response_due_at AND NEW.responded_at IS NOT NULL AND (CAST(strftime('%Y', (NEW.responded_at + 28800000) / 1000, 'unixepoch') AS INTEGER) * 12 + CAST(strftime('%m', (NEW.responded_at + 28800000) / 1000, 'unixepoch') AS INTEGER) - 1) <= (CAST(strftime('%Y', (NEW.reported_at + 28800000) / 1000, 'unixepoch') AS INTEGER) * 12 + CAST(strftime('%m', (NEW.reported_at + 28800000) / 1000, 'unixepoch') AS INTEGER) - 1) THEN 1 ELSE 0 END
    FROM (SELECT 0 AS span UNION ALL SELECT 1 UNION ALL SELECT 16) s WHERE true) WHERE true
    ON CONFLICT (code, span, day) DO UPDATE SET
        received = received + excluded.received,
        registered = registered + excluded.registered,
        rejected = rejected + excluded.rejected,
        withdrawn = withdrawn + excluded.withdrawn,
        merged = merged + excluded.merged,
        dispatched = dispatched + excluded.dispatched,
        rated = rated + excluded.rated,
        resolved = resolved + excluded.resolved,
        satisfied = satisfied + excluded.satisfied,
        basically_satisfied = basically_satisfied + excluded.basically_satisfied,
        unsatisfied = unsatisfied + excluded.unsatisfied,
        self_handled = self_handled + excluded.self_handled,
        escalated = escalated + excluded.escalated,
        due = due + excluded.due,
        closed = closed + excluded.closed,
        closed_on_time = closed_on_time + excluded.closed_on_time,
        reworked = reworked + excluded.reworked,
        extended = extended + excluded.extended,
        due_response = due_response + excluded.due_response,
        responded_on_time = responded_on_time + excluded.responded_on_time,
        due_in = due_in + excluded.due_in,
        closed_in = closed_in + excluded.closed_in,
        closed_on_time_in = closed_on_time_in + excluded.closed_on_time_in,
        reworked_in = reworked_in + excluded.reworked_in,
        extended_in = extended_in + excluded.extended_in,
        due_response_in = due_response_in + excluded.due_response_in,
        responded_on_time_in = responded_on_time_in + excluded.responded_on_time_in;
END;
}}
{{PG:
-- The counts of the cases already there.
INSERT INTO case_rate_counts (code, span, day, received, registered, rejected, withdrawn, merged, dispatched, rated, resolved, satisfied, basically_satisfied, unsatisfied, self_handled, escalated, due, closed, closed_on_time, reworked, extended, due_response, responded_on_time, due_in, closed_in, closed_on_time_in, reworked_in, extended_in, due_response_in, responded_on_time_in)
SELECT code, span, day, SUM(received), SUM(registered), SUM(rejected), SUM(withdrawn), SUM(merged), SUM(dispatched), SUM(rated), SUM(resolved), SUM(satisfied), SUM(basically_satisfied), SUM(unsatisfied), SUM(self_handled), SUM(escalated), SUM(due), SUM(closed), SUM(closed_on_time), SUM(reworked), SUM(extended), SUM(due_response), SUM(responded_on_time), SUM(due_in), SUM(closed_in), SUM(closed_on_time_in), SUM(reworked_in), SUM(extended_in), SUM(due_response_in), SUM(responded_on_time_in)
FROM (SELECT c.grid_code AS code, s.span, CASE s.span WHEN 0 THEN (EXTRACT(YEAR FROM to_timestamp((c.reported_at + 28800000) / 1000) AT TIME ZONE 'UTC')::bigint * 12 + EXTRACT(MONTH FROM to_timestamp((c.reported_at + 28800000) / 1000) AT TIME ZONE 'UTC')::bigint - 1) WHEN 1 THEN (c.reported_at + 28800000) / 86400000 ELSE (c.reported_at + 28800000) / 86400000 - (c.reported_at + 28800000) / 86400000 % 16 END AS day,
       CASE WHEN c.self_handled = 0 AND c.state NOT IN ('withdrawn', 'merged') THEN 1 ELSE 0 END AS received,
       CASE WHEN c.self_handled = 0 AND c.state NOT IN ('withdrawn', 'merged') AND c.accepted_at IS NOT NULL THEN 1 ELSE 0 END AS registered,
       CASE WHEN c.self_handled = 0 AND c.state NOT IN ('withdrawn', 'merged') AND c.state = 'rejected' THEN 1 ELSE 0 END AS rejected,
       CASE WHEN c.state = 'withdrawn' THEN 1 ELSE 0 END AS withdrawn,
       CASE WHEN c.state = 'merged' THEN 1 ELSE 0 END AS merged,
       CASE WHEN c.self_handled = 0 AND c.state NOT IN ('withdrawn', 'merged') AND c.accepted_at IS NOT NULL AND (c.dispatched_at IS NOT NULL OR c.escalated = 1) THEN 1 ELSE 0 END AS dispatched,
       CASE WHEN c.self_handled = 0 AND c.state NOT IN ('withdrawn', 'merged') AND c.accepted_at IS NOT NULL AND c.satisfaction IS NOT NULL THEN 1 ELSE 0 END AS rated,
       CASE WHEN c.self_handled = 0 AND c.state NOT IN ('withdrawn', 'merged') AND c.accepted_at IS NOT NULL AND c.satisfaction IS NOT NULL AND c.resolved = 1 THEN 1 ELSE 0 END AS resolved,
       CASE WHEN c.self_handled = 0 AND c.state NOT IN ('withdrawn', 'merged') AND c.accepted_at IS NOT NULL AND c.satisfaction = 'satisfied' THEN 1 ELSE 0 END AS satisfied,
       CASE WHEN c.self_handled = 0 AND c.state NOT IN ('withdrawn', 'merged') AND c.accepted_at IS NOT NULL AND c.satisfaction = 'basically_satisfied' THEN 1 ELSE 0 END AS basically_satisfied,
       CASE WHEN c.self_handled = 0 AND c.state NOT IN ('withdrawn', 'merged') AND c.accepted_at IS NOT NULL AND c.satisfaction = 'unsatisfied' THEN 1 ELSE 0 END AS unsatisfied,
       CASE WHEN c.self_handled = 1 THEN 1 ELSE 0 END AS self_handled,
       CASE WHEN c.self_handled = 0 AND c.state NOT IN ('withdrawn', 'merged') AND c.accepted_at IS NOT NULL AND c.escalated = 1 THEN 1 ELSE 0 END AS escalated,
       CASE WHEN c.self_handled = 0 AND c.state NOT IN ('withdrawn', 'merged') AND c.accepted_at IS NOT NULL AND (CASE WHEN c.closed_at IS NULL THEN c.due_at WHEN c.due_at IS NULL OR c.closed_at < c.due_at THEN c.closed_at ELSE c.due_at END) IS NOT NULL THEN 1 ELSE 0 END AS due,
       CASE WHEN c.self_handled = 0 AND c.state NOT IN ('withdrawn', 'merged') AND c.accepted_at IS NOT NULL AND c.closed_at IS NOT NULL THEN 1 ELSE 0 END AS closed,
       CASE WHEN c.self_handled = 0 AND c.state NOT IN ('withdrawn', 'merged') AND c.accepted_at IS NOT NULL AND c.handled_at IS NOT NULL AND c.due_at IS NOT NULL AND c.handled_at <= c.due_at AND c.closed_at IS NOT NULL THEN 1 ELSE 0 END AS closed_on_time,
       CASE WHEN c.self_handled = 0 AND c.state NOT IN ('withdrawn', 'merged') AND c.accepted_at IS NOT NULL AND c.rework_count > 0 AND (CASE WHEN c.closed_at IS NULL THEN c.due_at WHEN c.due_at IS NULL OR c.closed_at < c.due_at THEN c.closed_at ELSE c.due_at END) IS NOT NULL THEN 1 ELSE 0 END AS reworked,
       CASE WHEN c.self_handled = 0 AND c.state NOT IN ('withdrawn', 'merged') AND c.accepted_at IS NOT NULL AND c.extension_count > 0 AND (CASE WHEN c.closed_at IS NULL THEN c.due_at WHEN c.due_at IS NULL OR c.closed_at < c.due_at THEN c.closed_at ELSE c.due_at END) IS NOT NULL THEN 1 ELSE 0 END AS extended,
       CASE WHEN c.self_handled = 0 AND c.state NOT IN ('withdrawn', 'merged') AND c.accepted_at IS NOT NULL AND (CASE WHEN c.responded_at IS NULL THEN c.response_due_at + 1 WHEN c.response_due_at IS NULL OR c.responded_at < c.response_due_at + 1 THEN c.responded_at ELSE c.response_due_at + 1 END) IS NOT NULL THEN 1 ELSE 0 END AS due_response,
       CASE WHEN c.self_handled = 0 AND c.state NOT IN ('withdrawn', 'merged') AND c.accepted_at IS NOT NULL AND c.response_due_at IS NOT NULL AND c.responded_at <= c.response_due_at AND c.responded_at IS NOT NULL THEN 1 ELSE 0 END AS responded_on_time,
       CASE WHEN c.self_handled = 0 AND c.state NOT IN ('withdrawn', 'merged') AND c.accepted_at IS NOT NULL AND (CASE WHEN c.closed_at IS NULL THEN c.due_at WHEN c.due_at IS NULL OR c.closed_at < c.due_at THEN c.closed_at ELSE c.due_at END) IS NOT NULL AND (EXTRACT(YEAR FROM to_timestamp(((CASE WHEN c.closed_at IS NULL THEN c.due_at WHEN c.due_at IS NULL OR c.closed_at < c.due_at THEN c.closed_at ELSE c.due_at END) + 28800000) / 1000) AT TIME ZONE 'UTC')::bigint * 12 + EXTRACT(MONTH FROM to_timestamp(((CASE WHEN c.closed_at IS NULL THEN c.due_at WHEN c.due_at IS NULL OR c.closed_at < c.due_at THEN c.closed_at ELSE c.due_at END) + 28800000) / 1000) AT TIME ZONE 'UTC')::bigint - 1) <= (EXTRACT(YEAR FROM to_timestamp((c.reported_at + 28800000) / 1000) AT TIME ZONE 'UTC')::bigint * 12 + EXTRACT(MONTH FROM to_timestamp((c.reported_at + 28800000) / 1000) AT TIME ZONE 'UTC')::bigint - 1) THEN 1 ELSE 0 END AS due_in,
       CASE WHEN c.self_handled = 0 AND c.state NOT IN ('withdrawn', 'merged') AND c.accepted_at IS NOT NULL AND c.closed_at IS NOT NULL AND (EXTRACT(YEAR FROM to_timestamp((c.closed_at + 28800000) / 1000) AT TIME ZONE 'UTC')::bigint * 12 + EXTRACT(MONTH FROM to_timestamp((c.closed_at + 28800000) / 1000) AT TIME ZONE 'UTC')::bigint - 1) <= (EXTRACT(YEAR FROM to_timestamp((c.reported_at + 28800000) / 1000) AT TIME ZONE 'UTC')::bigint * 12 + EXTRACT(MONTH FROM to_timestamp((c.reported_at + 28800000) / 1000) AT TIME ZONE 'UTC')::bigint - 1) THEN 1 ELSE 0 END AS closed_in,
       CASE WHEN c.self_handled = 0 AND c.state NOT IN ('withdrawn', 'merged') AND c.accepted_at IS NOT NULL AND c.handled_at IS NOT NULL AND c.due_at IS NOT NULL AND c.handled_at <= c.due_at AND c.closed_at IS NOT NULL AND (EXTRACT(YEAR FROM to_timestamp((c.closed_at + 28800000) / 1000) AT TIME ZONE 'UTC')::bigint * 12 + EXTRACT(MONTH FROM to_timestamp((c.closed_at + 28800000) / 1000) AT TIME ZONE 'UTC')::bigint - 1) <= (EXTRACT(YEAR FROM to_timestamp((c.reported_at + 28800000) / 1000) AT TIME ZONE 'UTC')::bigint * 12 + EXTRACT(MONTH FROM to_timestamp((c.reported_at + 28800000) / 1000) AT TIME ZONE 'UTC')::bigint - 1) THEN 1 ELSE 0 END AS closed_on_time_in,
       CASE WHEN c.self_handled = 0 AND c.state NOT IN ('withdrawn', 'merged') AND c.accepted_at IS NOT NULL AND c.rework_count > 0 AND (CASE WHEN c.closed_at IS NULL THEN c.due_at WHEN c.due_at IS NULL OR c.closed_at < c.due_at THEN c.closed_at ELSE c.due_at END) IS NOT NULL AND (EXTRACT(YEAR FROM to_timestamp(((CASE WHEN c.closed_at IS NULL THEN c.due_at WHEN c.due_at IS NULL OR c.closed_at < c.due_at THEN c.closed_at ELSE c.due_at END) + 28800000) / 1000) AT TIME ZONE 'UTC')::bigint * 12 + EXTRACT(MONTH FROM to_timestamp(((CASE WHEN c.closed_at IS NULL THEN c.due_at WHEN c.due_at IS NULL OR c.closed_at < c.due_at THEN c.closed_at ELSE c.due_at END) + 28800000) / 1000) AT TIME ZONE 'UTC')::bigint - 1) <= (EXTRACT(YEAR FROM to_timestamp((c.reported_at + 28800000) / 1000) AT TIME ZONE 'UTC')::bigint * 12 + EXTRACT(MONTH FROM to_timestamp((c.reported_at + 28800000) / 1000) AT TIME ZONE 'UTC')::bigint - 1) THEN 1 ELSE 0 END AS reworked_in,
       CASE WHEN c.self_handled = 0 AND c.state NOT IN ('withdrawn', 'merged') AND c.accepted_at IS NOT NULL AND c.extension_count > 0 AND (CASE WHEN c.closed_at IS NULL THEN c.due_at WHEN c.due_at IS NULL OR c.closed_at < c.due_at THEN c.closed_at ELSE c.due_at END) IS NOT NULL AND (EXTRACT(YEAR FROM to_timestamp(((CASE WHEN c.closed_at IS NULL THEN c.due_at WHEN c.due_at IS NULL OR c.closed_at < c.due_at THEN c.closed_at ELSE c.due_at END) + 28800000) / 1000) AT TIME ZONE 'UTC')::bigint * 12 + EXTRACT(MONTH FROM to_timestamp(((CASE WHEN c.closed_at IS NULL THEN c.due_at WHEN c.due_at IS NULL OR c.closed_at < c.due_at THEN c.closed_at ELSE c.due_at END) + 28800000) / 1000) AT TIME ZONE 'UTC')::bigint - 1) <= (EXTRACT(YEAR FROM to_timestamp((c.reported_at + 28800000) / 1000) AT TIME ZONE 'UTC')::bigint * 12 + EXTRACT(MONTH FROM to_timestamp((c.reported_at + 28800000) / 1000) AT TIME ZONE 'UTC')::bigint - 1) THEN 1 ELSE 0 END AS extended_in,
       CASE WHEN c.self_handled = 0 AND c.state NOT IN ('withdrawn', 'merged') AND c.accepted_at IS NOT NULL AND (CASE WHEN c.responded_at IS NULL THEN c.response_due_at + 1 WHEN c.response_due_at IS NULL OR c.responded_at < c.response_due_at + 1 THEN c.responded_at ELSE c.response_due_at + 1 END) IS NOT NULL AND (EXTRACT(YEAR FROM to_timestamp(((CASE WHEN c.responded_at IS NULL THEN c.response_due_at + 1 WHEN c.response_due_at IS NULL OR c.responded_at < c.response_due_at + 1 THEN c.responded_at ELSE c.response_due_at + 1 END) + 28800000) / 1000) AT TIME ZONE 'UTC')::bigint * 12 + EXTRACT(MONTH FROM to_timestamp(((CASE WHEN c.responded_at IS NULL THEN c.response_due_at + 1 WHEN c.response_due_at IS NULL OR c.responded_at < c.response_due_at + 1 THEN c.responded_at ELSE c.response_due_at + 1 END) + 28800000) / 1000) AT TIME ZONE 'UTC')::bigint - 1) <= (EXTRACT(YEAR FROM to_timestamp((c.reported_at + 28800000) / 1000) AT TIME ZONE 'UTC')::bigint * 12 + EXTRACT(MONTH FROM to_timestamp((c.reported_at + 28800000) / 1000) AT TIME ZONE 'UTC')::bigint - 1) THEN 1 ELSE 0 END AS due_response_in,
       CASE WHEN c.self_handled = 0 AND c.state NOT IN ('withdrawn', 'merged') AND c.accepted_at IS NOT NULL AND c.response_due_at IS NOT NULL AND c.responded_at <= c.response_due_at AND c.responded_at IS NOT NULL AND (EXTRACT(YEAR FROM to_timestamp((c.responded_at + 28800000) / 1000) AT TIME ZONE 'UTC')::bigint * 12 + EXTRACT(MONTH FROM to_timestamp((c.responded_at + 28800000) / 1000) AT TIME ZONE 'UTC')::bigint - 1) <= (EXTRACT(YEAR FROM to_timestamp((c.reported_at + 28800000) / 1000) AT TIME ZONE 'UTC')::bigint * 12 + EXTRACT(MONTH FROM to_timestamp((c.reported_at + 28800000) / 1000) AT TIME ZONE 'UTC')::bigint - 1) THEN 1 ELSE 0 END AS responded_on_time_in
FROM cases c CROSS JOIN (SELECT 0 AS span UNION ALL SELECT 1 UNION ALL SELECT 16) s) x
GROUP BY code, span, day;

CREATE FUNCTION gz_case_rates_add(sgn INTEGER, r cases) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO case_rate_counts AS t (code, span, day, received, registered, rejected, withdrawn, merged, dispatched, rated, resolved, satisfied, basically_satisfied, unsatisfied, self_handled, escalated, due, closed, closed_on_time, reworked, extended, due_response, responded_on_time, due_in, closed_in, closed_on_time_in, reworked_in, extended_in, due_response_in, responded_on_time_in)
    SELECT code, span, day, sgn * received, sgn * registered, sgn * rejected, sgn * withdrawn, sgn * merged, sgn * dispatched, sgn * rated, sgn * resolved, sgn * satisfied, sgn * basically_satisfied, sgn * unsatisfied, sgn * self_handled, sgn * escalated, sgn * due, sgn * closed, sgn * closed_on_time, sgn * reworked, sgn * extended, sgn * due_response, sgn * responded_on_time, sgn * due_in, sgn * closed_in, sgn * closed_on_time_in, sgn * reworked_in, sgn * extended_in, sgn * due_response_in, sgn * responded_on_time_in
    FROM (SELECT r.grid_code, s.span, CASE s.span WHEN 0 THEN (EXTRACT(YEAR FROM to_timestamp((r.reported_at + 28800000) / 1000) AT TIME ZONE 'UTC')::bigint * 12 + EXTRACT(MONTH FROM to_timestamp((r.reported_at + 28800000) / 1000) AT TIME ZONE 'UTC')::bigint - 1) WHEN 1 THEN (r.reported_at + 28800000) / 86400000 ELSE (r.reported_at + 28800000) / 86400000 - (r.reported_at + 28800000) / 86400000 % 16 END,
           CASE WHEN r.self_handled = 0 AND r.state NOT IN ('withdrawn', 'merged') THEN 1 ELSE 0 END,
           CASE WHEN r.self_handled = 0 AND r.state NOT IN ('withdrawn', 'merged') AND r.accepted_at IS NOT NULL THEN 1 ELSE 0 END,
           CASE WHEN r.self_handled = 0 AND r.state NOT IN ('withdrawn', 'merged') AND r.state = 'rejected' THEN 1 ELSE 0 END,
           CASE WHEN r.state = 'withdrawn' THEN 1 ELSE 0 END,
           CASE WHEN r.state = 'merged' THEN 1 ELSE 0 END,
           CASE WHEN r.self_handled = 0 AND r.state NOT IN ('withdrawn', 'merged') AND r.accepted_at IS NOT NULL AND (r.dispatched_at IS NOT NULL OR r.escalated = 1) THEN 1 ELSE 0 END,
           CASE WHEN r.self_handled = 0 AND r.state NOT IN ('withdrawn', 'merged') AND r.accepted_at IS NOT NULL AND r.satisfaction IS NOT NULL THEN 1 ELSE 0 END,
           CASE WHEN r.self_handled = 0 AND r.state NOT IN ('withdrawn', 'merged') AND r.accepted_at IS NOT NULL AND r.satisfaction IS NOT NULL AND r.resolved = 1 THEN 1 ELSE 0 END,
           CASE WHEN r.self_handled = 0 AND r.state NOT IN ('withdrawn', 'merged') AND r.accepted_at IS NOT NULL AND r.satisfaction = 'satisfied' THEN 1 ELSE 0 END,
           CASE WHEN r.self_handled = 0 AND r.state NOT IN ('withdrawn', 'merged') AND r.accepted_at IS NOT NULL AND r.satisfaction = 'basically_satisfied' THEN 1 ELSE 0 END,
           CASE WHEN r.self_handled = 0 AND r.state NOT IN ('withdrawn', 'merged') AND r.accepted_at IS NOT NULL AND r.satisfaction = 'unsatisfied' THEN 1 ELSE 0 END,
           CASE WHEN r.self_handled = 1 THEN 1 ELSE 0 END,
           CASE WHEN r.self_handled = 0 AND r.state NOT IN ('withdrawn', 'merged') AND r.accepted_at IS NOT NULL AND r.escalated = 1 THEN 1 ELSE 0 END,
           CASE WHEN r.self_handled = 0 AND r.state NOT IN ('withdrawn', 'merged') AND r.accepted_at IS NOT NULL AND (CASE WHEN r.closed_at IS NULL THEN r.due_at WHEN r.due_at IS NULL OR r.closed_at < r.due_at THEN r.closed_at ELSE r.due_at END) IS NOT NULL THEN 1 ELSE 0 END,
           CASE WHEN r.self_handled = 0 AND r.state NOT IN ('withdrawn', 'merged') AND r.accepted_at IS NOT NULL AND r.closed_at IS NOT NULL THEN 1 ELSE 0 END,
           CASE WHEN r.self_handled = 0 AND r.state NOT IN ('withdrawn', 'merged') AND r.accepted_at IS NOT NULL AND r.handled_at IS NOT NULL AND r.due_at IS NOT NULL AND r.handled_at <= r.due_at AND r.closed_at IS NOT NULL THEN 1 ELSE 0 END,
           CASE WHEN r.self_handled = 0 AND r.state NOT IN ('withdrawn', 'merged') AND r.accepted_at IS NOT NULL AND r.rework_count > 0 AND (CASE WHEN r.closed_at IS NULL THEN r.due_at WHEN r.due_at IS NULL OR r.closed_at < r.due_at THEN r.closed_at ELSE r.due_at END) IS NOT NULL THEN 1 ELSE 0 END,
           CASE WHEN r.self_handled = 0 AND r.state NOT IN ('withdrawn', 'merged') AND r.accepted_at IS NOT NULL AND r.extension_count > 0 AND (CASE WHEN r.closed_at IS NULL THEN r.due_at WHEN r.due_at IS NULL OR r.closed_at < r.due_at THEN r.closed_at ELSE r.due_at END) IS NOT NULL THEN 1 ELSE 0 END,
           CASE WHEN r.self_handled = 0 AND r.state NOT IN ('withdrawn', 'merged') AND r.accepted_at IS NOT NULL AND (CASE WHEN r.responded_at IS NULL THEN r.response_due_at + 1 WHEN r.response_due_at IS NULL OR r.responded_at < r.response_due_at + 1 THEN r.responded_at ELSE r.response_due_at + 1 END) IS NOT NULL THEN 1 ELSE 0 END,
           CASE WHEN r.self_handled = 0 AND r.state NOT IN ('withdrawn', 'merged') AND r.accepted_at IS NOT NULL AND r.response_due_at IS NOT NULL AND r.responded_at <= r.response_due_at AND r.responded_at IS NOT NULL THEN 1 ELSE 0 END,
           CASE WHEN r.self_handled = 0 AND r.state NOT IN ('withdrawn', 'merged') AND r.accepted_at IS NOT NULL AND (CASE WHEN r.closed_at IS NULL THEN r.due_at WHEN r.due_at IS NULL OR r.closed_at < r.due_at THEN r.closed_at ELSE r.due_at END) IS NOT NULL AND (EXTRACT(YEAR FROM to_timestamp(((CASE WHEN r.closed_at IS NULL THEN r.due_at WHEN r.due_at IS NULL OR r.closed_at < r.due_at THEN r.closed_at ELSE r.due_at END) + 28800000) / 1000) AT TIME ZONE 'UTC')::bigint * 12 + EXTRACT(MONTH FROM to_timestamp(((CASE WHEN r.closed_at IS NULL THEN r.due_at WHEN r.due_at IS NULL OR r.closed_at < r.due_at THEN r.closed_at ELSE r.due_at END) + 28800000) / 1000) AT TIME ZONE 'UTC')::bigint - 1) <= (EXTRACT(YEAR FROM to_timestamp((r.reported_at + 28800000) / 1000) AT TIME ZONE 'UTC')::bigint * 12 + EXTRACT(MONTH FROM to_timestamp((r.reported_at + 28800000) / 1000) AT TIME ZONE 'UTC')::bigint - 1) THEN 1 ELSE 0 END,
           CASE WHEN r.self_handled = 0 AND r.state NOT IN ('withdrawn', 'merged') AND r.accepted_at IS NOT NULL AND r.closed_at IS NOT NULL AND (EXTRACT(YEAR FROM to_timestamp((r.closed_at + 28800000) / 1000) AT TIME ZONE 'UTC')::bigint * 12 + EXTRACT(MONTH FROM to_timestamp((r.closed_at + 28800000) / 1000) AT TIME ZONE 'UTC')::bigint - 1) <= (EXTRACT(YEAR FROM to_timestamp((r.reported_at + 28800000) / 1000) AT TIME ZONE 'UTC')::bigint * 12 + EXTRACT(MONTH FROM to_timestamp((r.reported_at + 28800000) / 1000) AT TIME ZONE 'UTC')::bigint - 1) THEN 1 ELSE 0 END,
           CASE WHEN r.self_handled = 0 AND r.state NOT IN ('withdrawn', 'merged') AND r.accepted_at IS NOT NULL AND r.handled_at IS NOT NULL AND r.due_at IS NOT NULL AND r.handled_at <= r.due_at AND r.closed_at IS NOT NULL AND (EXTRACT(YEAR FROM to_timestamp((r.closed_at + 28800000) / 1000) AT TIME ZONE 'UTC')::bigint * 12 + EXTRACT(MONTH FROM to_timestamp((r.closed_at + 28800000) / 1000) AT TIME ZONE 'UTC')::bigint - 1) <= (EXTRACT(YEAR FROM to_timestamp((r.reported_at + 28800000) / 1000) AT TIME ZONE 'UTC')::bigint * 12 + EXTRACT(MONTH FROM to_timestamp((r.reported_at + 28800000) / 1000) AT TIME ZONE 'UTC')::bigint - 1) THEN 1 ELSE 0 END,
           CASE WHEN r.self_handled = 0 AND r.state NOT IN ('withdrawn', 'merged') AND r.accepted_at IS NOT NULL AND r.rework_count > 0 AND (CASE WHEN r.closed_at IS NULL THEN r.due_at WHEN r.due_at IS NULL OR r.closed_at < r.due_at THEN r.closed_at ELSE r.due_at END) IS NOT NULL AND (EXTRACT(YEAR FROM to_timestamp(((CASE WHEN r.closed_at IS NULL THEN r.due_at WHEN r.due_at IS NULL OR r.closed_at < r.due_at THEN r.closed_at ELSE r.due_at END) + 28800000) / 1000) AT TIME ZONE 'UTC')::bigint * 12 + EXTRACT(MONTH FROM to_timestamp(((CASE WHEN r.closed_at IS NULL THEN r.due_at WHEN r.due_at IS NULL OR r.closed_at < r.due_at THEN r.closed_at ELSE r.due_at END) + 28800000) / 1000) AT TIME ZONE 'UTC')::bigint - 1) <= (EXTRACT(YEAR FROM to_timestamp((r.reported_at + 28800000) / 1000) AT TIME ZONE 'UTC')::bigint * 12 + EXTRACT(MONTH FROM to_timestamp((r.reported_at + 28800000) / 1000) AT TIME ZONE 'UTC')::bigint - 1) THEN 1 ELSE 0 END,
           CASE WHEN r.self_handled = 0 AND r.state NOT IN ('withdrawn', 'merged') AND r.accepted_at IS NOT NULL AND r.extension_count > 0 AND (CASE WHEN r.closed_at IS NULL THEN r.due_at WHEN r.due_at IS NULL OR r.closed_at < r.due_at THEN r.closed_at ELSE r.due_at END) IS NOT NULL AND (EXTRACT(YEAR FROM to_timestamp(((CASE WHEN r.closed_at IS NULL THEN r.due_at WHEN r.due_at IS NULL OR r.closed_at < r.due_at THEN r.closed_at ELSE r.due_at END) + 28800000) / 1000) AT TIME ZONE 'UTC')::bigint * 12 + EXTRACT(MONTH FROM to_timestamp(((CASE WHEN r.closed_at IS NULL THEN r.due_at WHEN r.due_at IS NULL OR r.closed_at < r.due_at THEN r.closed_at ELSE r.due_at END) + 28800000) / 1000) AT TIME ZONE 'UTC')::bigint - 1) <= (EXTRACT(YEAR FROM to_timestamp((r.reported_at + 28800000) / 1000) AT TIME ZONE 'UTC')::bigint * 12 + EXTRACT(MONTH FROM to_timestamp((r.reported_at + 28800000) / 1000) AT TIME ZONE 'UTC')::bigint - 1) THEN 1 ELSE 0 END,
           CASE WHEN r.self_handled = 0 AND r.state NOT IN ('withdrawn', 'merged') AND r.accepted_at IS NOT NULL AND (CASE WHEN r.responded_at IS NULL THEN r.response_due_at + 1 WHEN r.response_due_at IS NULL OR r.responded_at < r.response_due_at + 1 THEN r.responded_at ELSE r.response_due_at + 1 END) IS NOT NULL AND (EXTRACT(YEAR FROM to_timestamp(((CASE WHEN r.responded_at IS NULL THEN r.response_due_at + 1 WHEN r.response_due_at IS NULL OR r.responded_at < r.response_due_at + 1 THEN r.responded_at ELSE r.response_due_at + 1 END) + 28800000) / 1000) AT TIME ZONE 'UTC')::bigint * 12 + EXTRACT(MONTH FROM to_timestamp(((CASE WHEN r.responded_at IS NULL THEN r.response_due_at + 1 WHEN r.response_due_at IS NULL OR r.responded_at < r.response_due_at + 1 THEN r.responded_at ELSE r.response_due_at + 1 END) + 28800000) / 1000) AT TIME ZONE 'UTC')::bigint - 1) <= (EXTRACT(YEAR FROM to_timestamp((r.reported_at + 28800000) / 1000) AT TIME ZONE 'UTC')::bigint * 12 + EXTRACT(MONTH FROM to_timestamp((r.reported_at + 28800000) / 1000) AT TIME ZONE 'UTC')::bigint - 1) THEN 1 ELSE 0 END,
           CASE WHEN r.self_handled = 0 AND r.state NOT IN ('withdrawn', 'merged') AND r.accepted_at IS NOT NULL AND r.response_due_at IS NOT NULL AND r.responded_at <= r.response_due_at AND r.responded_at IS NOT NULL AND (EXTRACT(YEAR FROM to_timestamp((r.responded_at + 28800000) / 1000) AT TIME ZONE 'UTC')::bigint * 12 + EXTRACT(MONTH FROM to_timestamp((r.responded_at + 28800000) / 1000) AT TIME ZONE 'UTC')::bigint - 1) <= (EXTRACT(YEAR FROM to_timestamp((r.reported_at + 28800000) / 1000) AT TIME ZONE 'UTC')::bigint * 12 + EXTRACT(MONTH FROM to_timestamp((r.reported_at + 28800000) / 1000) AT TIME ZONE 'UTC')::bigint - 1) THEN 1 ELSE 0 END
    FROM (SELECT 0 AS span UNION ALL SELECT 1 UNION ALL SELECT 16) s WHERE true) x(code, span, day, received, registered, rejected, withdrawn, merged, dispatched, rated, resolved, satisfied, basically_satisfied, unsatisfied, self_handled, escalated, due, closed, closed_on_time, reworked, extended, due_response, responded_on_time, due_in, closed_in, closed_on_time_in, reworked_in, extended_in, due_response_in, responded_on_time_in)
    ON CONFLICT (code, span, day) DO UPDATE SET
        received = t.received + excluded.received,
        registered = t.registered + excluded.registered,
        rejected = t.rejected + excluded.rejected,
        withdrawn = t.withdrawn + excluded.withdrawn,
        merged = t.merged + excluded.merged,
        dispatched = t.dispatched + excluded.dispatched,
        rated = t.rated + excluded.rated,
        resolved = t.resolved + excluded.resolved,
        satisfied = t.satisfied + excluded.satisfied,
        basically_satisfied = t.basically_satisfied + excluded.basically_satisfied,
        unsatisfied = t.unsatisfied + excluded.unsatisfied,
        self_handled = t.self_handled + excluded.self_handled,
        escalated = t.escalated + excluded.escalated,
        due = t.due + excluded.due,
        closed = t.closed + excluded.closed,
        closed_on_time = t.closed_on_time + excluded.closed_on_time,
        reworked = t.reworked + excluded.reworked,
        extended = t.extended + excluded.extended,
        due_response = t.due_response + excluded.due_response,
        responded_on_time = t.responded_on_time + excluded.responded_on_time,
        due_in = t.due_in + excluded.due_in,
        closed_in = t.closed_in + excluded.closed_in,
        closed_on_time_in = t.closed_on_time_in + excluded.closed_on_time_in,
        reworked_in = t.reworked_in + excluded.reworked_in,
        extended_in = t.extended_in + excluded.extended_in,
        due_response_in = t.due_response_in + excluded.due_response_in,
        responded_on_time_in = t.responded_on_time_in + excluded.responded_on_time_in;
END
$$;
CREATE FUNCTION gz_case_rates() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        PERFORM gz_case_rates_add(-1, OLD);
    ELSIF NEW.accepted_at IS NULL AND NEW.state NOT IN ('withdrawn', 'merged') THEN
        -- A new case not yet accepted (every intake): received, rejected, self_handled.
        INSERT INTO case_rate_counts AS t (code, span, day, received, rejected, self_handled)
        SELECT NEW.grid_code, s.span, CASE s.span WHEN 0 THEN (EXTRACT(YEAR FROM to_timestamp((NEW.reported_at + 28800000) / 1000) AT TIME ZONE 'UTC')::bigint * 12 + EXTRACT(MONTH FROM to_timestamp((NEW.reported_at + 28800000) / 1000) AT TIME ZONE 'UTC')::bigint - 1)
                                      WHEN 1 THEN (NEW.reported_at + 28800000) / 86400000
                                      ELSE (NEW.reported_at + 28800000) / 86400000
                                           - (NEW.reported_at + 28800000) / 86400000 % 16 END,
               1 - NEW.self_handled,
               CASE WHEN NEW.self_handled = 0 AND NEW.state = 'rejected' THEN 1 ELSE 0 END,
               NEW.self_handled
        FROM (SELECT 0 AS span UNION ALL SELECT 1 UNION ALL SELECT 16) s
        ON CONFLICT (code, span, day) DO UPDATE SET
            received = t.received + excluded.received, rejected = t.rejected + excluded.rejected,
            self_handled = t.self_handled + excluded.self_handled;
        RETURN NULL;
    END IF;
    PERFORM gz_case_rates_add(1, NEW);
    RETURN NULL;
END
$$;
CREATE TRIGGER case_rates_insert AFTER INSERT ON cases
    FOR EACH ROW EXECUTE FUNCTION gz_case_rates();
CREATE TRIGGER case_rates_update AFTER UPDATE OF grid_code, reported_at, self_handled, state, accepted_at, dispatched_at, escalated, satisfaction, resolved, closed_at, due_at, handled_at, rework_count, extension_count, responded_at, response_due_at ON cases
    FOR EACH ROW
    WHEN (OLD.grid_code IS DISTINCT FROM NEW.grid_code
          OR OLD.reported_at IS DISTINCT FROM NEW.reported_at
          OR OLD.self_handled IS DISTINCT FROM NEW.self_handled
          OR OLD.state IS DISTINCT FROM NEW.state
          OR OLD.accepted_at IS DISTINCT FROM NEW.accepted_at
          OR OLD.dispatched_at IS DISTINCT FROM NEW.dispatched_at
          OR OLD.escalated IS DISTINCT FROM NEW.escalated
          OR OLD.satisfaction IS DISTINCT FROM NEW.satisfaction
          OR OLD.resolved IS DISTINCT FROM NEW.resolved
          OR OLD.closed_at IS DISTINCT FROM NEW.closed_at
          OR OLD.due_at IS DISTINCT FROM NEW.due_at
          OR OLD.handled_at IS DISTINCT FROM NEW.handled_at
          OR OLD.rework_count IS DISTINCT FROM NEW.rework_count
          OR OLD.extension_count IS DISTINCT FROM NEW.extension_count
          OR OLD.responded_at IS DISTINCT FROM NEW.responded_at
          OR OLD.response_due_at IS DISTINCT FROM NEW.response_due_at)
    EXECUTE FUNCTION gz_case_rates();
}}
