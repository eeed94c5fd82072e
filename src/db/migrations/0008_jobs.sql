-- Background jobs (src/jobs/jobs.h): timers, matching runs, reports, notifications, run
-- by worker threads of `gongzhi serve` off the request threads. Times are BIGINT ms.
--
-- state: queued (waits for run_at), running (claimed by locked_by until lease_until,
-- renewed while it runs), done, failed (attempts used up, or an error that retrying
-- cannot fix), cancelled. attempts counts claims, so a run interrupted by a crash counts.
-- lease_ms is the kind's lease, copied at enqueue so one UPDATE can claim any job.
-- last_error is the error of the latest failed attempt (kept after a later success).
-- dedupe_key: at most one queued or running job holds a given key, so a timer scheduled
-- twice exists once; a finished job frees its key.
CREATE TABLE jobs (
    id {{ID}},
    kind TEXT NOT NULL,
    payload TEXT NOT NULL DEFAULT '{}',
    state TEXT NOT NULL DEFAULT 'queued'
        CHECK (state IN ('queued', 'running', 'done', 'failed', 'cancelled')),
    run_at BIGINT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    max_attempts INTEGER NOT NULL,
    lease_ms BIGINT NOT NULL,
    lease_until BIGINT,
    locked_by TEXT,
    last_error TEXT,
    dedupe_key TEXT,
    created_at BIGINT NOT NULL,
    started_at BIGINT,
    finished_at BIGINT
);
-- The claim: the earliest due queued job, and running jobs whose lease expired.
CREATE INDEX jobs_due ON jobs (run_at, id) WHERE state = 'queued';
CREATE INDEX jobs_leases ON jobs (lease_until) WHERE state = 'running';
CREATE UNIQUE INDEX jobs_dedupe ON jobs (dedupe_key)
    WHERE dedupe_key IS NOT NULL AND state IN ('queued', 'running');
-- The admin list filtered by state and/or kind, newest first; the queue gauges.
CREATE INDEX jobs_state ON jobs (state, id);
CREATE INDEX jobs_kind ON jobs (kind, id);
-- Finished jobs are deleted after a retention period.
CREATE INDEX jobs_finished ON jobs (finished_at) WHERE state = 'done' OR state = 'cancelled';
