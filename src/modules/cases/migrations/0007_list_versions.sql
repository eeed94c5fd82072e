-- The version of each grid's cases for the list's answer cache (list_cache.c): every
-- write to a case adds 1 to its grid's row in the write's transaction, so an answer
-- cached at version n is the current one while the row still says n. No row = 0.
CREATE TABLE case_grid_versions (
    grid_code TEXT {{PG:COLLATE "C"}} PRIMARY KEY,
    n BIGINT NOT NULL
);
