-- Indexes of columns that a new case mostly leaves NULL hold only the rows that have a
-- value: an intake then writes three index pages fewer (every one is a page appended to
-- the WAL and synced with the commit; docs/METRICS.md, "Cases"). Their queries compare
-- the column with a value (`handler_user_id = $n`, `reporter_user_id = $n`), which
-- implies NOT NULL, so they still use them.
DROP INDEX cases_handler_user;
CREATE INDEX cases_handler_user ON cases (handler_user_id, id) WHERE handler_user_id IS NOT NULL;
DROP INDEX cases_reporter;
CREATE INDEX cases_reporter ON cases (reporter_user_id, id) WHERE reporter_user_id IS NOT NULL;
DROP INDEX cases_external;
CREATE INDEX cases_external ON cases (external_id) WHERE external_id IS NOT NULL;
