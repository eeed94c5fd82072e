-- The equity feedback of sharing (issue 15): a need in a grid under-served in the last
-- period gets a priority boost in a run (docs/MATCHING.md, "The equity boost").
--   equity_boost: points added to w_i (0: off);
--   equity_threshold_pct: a grid is under-served when its visits per resident over the
--     last equity_days days are below this percent of the median over its street's grids;
--   equity_group_pct: a vulnerable group (a weighted resident tag) is under-served when
--     fewer than this percent of its members in the run's community (at least 5) were
--     visited, themselves or their household, in the last equity_days days (0: groups
--     never boost);
--   equity_days: the period's length in days (ending today).
INSERT INTO match_settings (scope, name, value, updated_at, updated_by) VALUES
    ('', 'equity_boost', 2, 0, 'system'),
    ('', 'equity_threshold_pct', 50, 0, 'system'),
    ('', 'equity_group_pct', 50, 0, 'system'),
    ('', 'equity_days', 90, 0, 'system');

-- When a need was done (hours recorded): the needs met of a period (the sharing
-- module's cycles and needs per grid). Needs done before this column existed take
-- their last change.
ALTER TABLE match_needs ADD COLUMN done_at BIGINT;
UPDATE match_needs SET done_at = updated_at WHERE status IN ('done', 'rated');
CREATE INDEX match_needs_done ON match_needs (grid_code, done_at) WHERE done_at IS NOT NULL;
