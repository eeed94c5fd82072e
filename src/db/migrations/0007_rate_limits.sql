-- Per-key counters in fixed windows, for limits that every server process sharing the
-- database must see alike (src/api/ratelimit.h). key names who is counted and for what,
-- e.g. 'pii:u:42' (values of personal data compared against the register by account
-- 42). window_end is when the current window closes (ms since the epoch): a key whose
-- window has closed starts again from zero, and rows of closed windows are deleted.
CREATE TABLE rate_limits (
    key TEXT PRIMARY KEY,
    window_end BIGINT NOT NULL,
    count BIGINT NOT NULL
);
CREATE INDEX rate_limits_window ON rate_limits (window_end);
