-- The deadline job of cases (src/modules/cases/job.c): one sweep, queued here once for
-- every database, that re-enqueues itself (same dedupe key) in the transaction that
-- completes it, so exactly one is queued or running at any time, across processes and
-- restarts. `gongzhi jobs enqueue case.deadlines` starts it again should it ever have
-- failed for good (its chain then joins the queued one by the dedupe key).
INSERT INTO jobs (kind, payload, state, run_at, max_attempts, lease_ms, dedupe_key, created_at)
VALUES ('case.deadlines', '{}', 'queued', 0, 100, 60000, 'case.deadlines', 0);
