-- The per-grid satisfaction and median response and handling times of GET
-- /sharing/equity (equity_api.c, sharing_case_times_load; docs/METRICS.md "Speed at city
-- scale"): an exact median cannot be summed from counters, so they are computed per
-- request over the period's 立案 cases of each grid. This index holds every column that
-- query reads, for the cases it counts (accepted, not self-handled), so it reads only the
-- index's range of (grid_code, reported_at) and never the cases' rows.
CREATE INDEX cases_grid_case_times ON cases (grid_code, reported_at, self_handled, state,
    accepted_at, satisfaction, responded_at, closed_at)
    WHERE accepted_at IS NOT NULL AND self_handled = 0;
