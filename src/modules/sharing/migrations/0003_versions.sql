-- Per-grid change versions (issue 15 item 6; docs/METRICS.md "Cost of the case times",
-- memo.c): what lets GET /sharing/equity keep each grid's satisfaction, durations (the
-- medians) and vulnerable-group figures of a period in memory between requests and
-- recompute only the grids whose rows changed, exactly.
--
-- share_versions.v of a grid goes up by one (at least) in the same transaction as every
-- write that can change one of those figures of that grid, by the triggers below on
-- every table and column the two computations read:
--   cases          grid_code, reported_at, self_handled, state, accepted_at,
--                  satisfaction, responded_at, closed_at — the old and the new grid of a
--                  case that counts (立案: accepted, not self-handled, not withdrawn or
--                  merged) before or after the write
--   resident_tags  any row (its grid_code: the group figures count a member in the grid
--                  of its tag row), old and new
--   residents      deleted_at, status (the register's predicate), household_id (whose
--                  household visits count) — the grids of the resident's tag rows
--   visits         a visit to a resident: the grids of its tag rows; to a household: the
--                  grids of the tag rows of every resident living there (a household
--                  visit counts for each member)
--   match_needs    resident_id, done_at, minutes of a need done before or after — the
--                  grids of the resident's tag rows
-- A request reads the versions of its node's grids in its read snapshot and reuses what
-- it computed for a grid at the same version; the versions being written with the rows,
-- equal versions mean equal rows in both snapshots (on PostgreSQL writers to one grid
-- queue on its row, so the versions a snapshot sees are a prefix of the commit order).
-- Missing row: version 0 — a grid that never had a case or a tag row (the fill below
-- gives every such grid already there a row).
CREATE TABLE share_versions (
    grid_code TEXT {{PG:COLLATE "C"}} NOT NULL PRIMARY KEY,
    v BIGINT NOT NULL
){{SQLITE: WITHOUT ROWID}};

INSERT INTO share_versions (grid_code, v)
SELECT code, 1 FROM (SELECT code FROM grids UNION SELECT DISTINCT grid_code FROM cases
                     UNION SELECT DISTINCT grid_code FROM resident_tags) x;

{{SQLITE:
CREATE TRIGGER share_v_cases_insert AFTER INSERT ON cases
WHEN NEW.accepted_at IS NOT NULL AND NEW.self_handled = 0
    AND NEW.state NOT IN ('withdrawn', 'merged')
BEGIN
    INSERT INTO share_versions (grid_code, v) VALUES (NEW.grid_code, 1)
    ON CONFLICT (grid_code) DO UPDATE SET v = v + 1;
END;

CREATE TRIGGER share_v_cases_update AFTER UPDATE OF grid_code, reported_at, self_handled,
    state, accepted_at, satisfaction, responded_at, closed_at ON cases
WHEN (OLD.grid_code IS NOT NEW.grid_code OR OLD.reported_at IS NOT NEW.reported_at
      OR OLD.self_handled IS NOT NEW.self_handled OR OLD.state IS NOT NEW.state
      OR OLD.accepted_at IS NOT NEW.accepted_at OR OLD.satisfaction IS NOT NEW.satisfaction
      OR OLD.responded_at IS NOT NEW.responded_at OR OLD.closed_at IS NOT NEW.closed_at)
    AND ((OLD.accepted_at IS NOT NULL AND OLD.self_handled = 0
          AND OLD.state NOT IN ('withdrawn', 'merged'))
         OR (NEW.accepted_at IS NOT NULL AND NEW.self_handled = 0
             AND NEW.state NOT IN ('withdrawn', 'merged')))
BEGIN
    INSERT INTO share_versions (grid_code, v)
    SELECT OLD.grid_code, 1 UNION SELECT NEW.grid_code, 1
    ON CONFLICT (grid_code) DO UPDATE SET v = v + 1;
END;

CREATE TRIGGER share_v_cases_delete AFTER DELETE ON cases
WHEN OLD.accepted_at IS NOT NULL AND OLD.self_handled = 0
    AND OLD.state NOT IN ('withdrawn', 'merged')
BEGIN
    INSERT INTO share_versions (grid_code, v) VALUES (OLD.grid_code, 1)
    ON CONFLICT (grid_code) DO UPDATE SET v = v + 1;
END;

CREATE TRIGGER share_v_tags_insert AFTER INSERT ON resident_tags
BEGIN
    INSERT INTO share_versions (grid_code, v) VALUES (NEW.grid_code, 1)
    ON CONFLICT (grid_code) DO UPDATE SET v = v + 1;
END;

CREATE TRIGGER share_v_tags_update AFTER UPDATE ON resident_tags
BEGIN
    INSERT INTO share_versions (grid_code, v)
    SELECT OLD.grid_code, 1 UNION SELECT NEW.grid_code, 1
    ON CONFLICT (grid_code) DO UPDATE SET v = v + 1;
END;

CREATE TRIGGER share_v_tags_delete AFTER DELETE ON resident_tags
BEGIN
    INSERT INTO share_versions (grid_code, v) VALUES (OLD.grid_code, 1)
    ON CONFLICT (grid_code) DO UPDATE SET v = v + 1;
END;

CREATE TRIGGER share_v_residents_update AFTER UPDATE OF deleted_at, status, household_id
    ON residents
WHEN OLD.deleted_at IS NOT NEW.deleted_at OR OLD.status IS NOT NEW.status
    OR OLD.household_id IS NOT NEW.household_id
BEGIN
    INSERT INTO share_versions (grid_code, v)
    SELECT DISTINCT grid_code, 1 FROM resident_tags WHERE resident_id = NEW.id
    ON CONFLICT (grid_code) DO UPDATE SET v = v + 1;
END;

CREATE TRIGGER share_v_visits_insert AFTER INSERT ON visits
BEGIN
    INSERT INTO share_versions (grid_code, v)
    SELECT t.grid_code, 1 FROM resident_tags t WHERE t.resident_id = NEW.resident_id
    UNION SELECT t.grid_code, 1 FROM residents r JOIN resident_tags t ON t.resident_id = r.id
    WHERE r.household_id = NEW.household_id
    ON CONFLICT (grid_code) DO UPDATE SET v = v + 1;
END;

CREATE TRIGGER share_v_visits_update AFTER UPDATE ON visits
BEGIN
    INSERT INTO share_versions (grid_code, v)
    SELECT t.grid_code, 1 FROM resident_tags t
    WHERE t.resident_id IN (OLD.resident_id, NEW.resident_id)
    UNION SELECT t.grid_code, 1 FROM residents r JOIN resident_tags t ON t.resident_id = r.id
    WHERE r.household_id IN (OLD.household_id, NEW.household_id)
    ON CONFLICT (grid_code) DO UPDATE SET v = v + 1;
END;

CREATE TRIGGER share_v_visits_delete AFTER DELETE ON visits
BEGIN
    INSERT INTO share_versions (grid_code, v)
    SELECT t.grid_code, 1 FROM resident_tags t WHERE t.resident_id = OLD.resident_id
    UNION SELECT t.grid_code, 1 FROM residents r JOIN resident_tags t ON t.resident_id = r.id
    WHERE r.household_id = OLD.household_id
    ON CONFLICT (grid_code) DO UPDATE SET v = v + 1;
END;

CREATE TRIGGER share_v_needs_insert AFTER INSERT ON match_needs
WHEN NEW.done_at IS NOT NULL
BEGIN
    INSERT INTO share_versions (grid_code, v)
    SELECT DISTINCT grid_code, 1 FROM resident_tags WHERE resident_id = NEW.resident_id
    ON CONFLICT (grid_code) DO UPDATE SET v = v + 1;
END;

CREATE TRIGGER share_v_needs_update AFTER UPDATE OF resident_id, done_at, minutes
    ON match_needs
WHEN (OLD.done_at IS NOT NULL OR NEW.done_at IS NOT NULL)
    AND (OLD.resident_id IS NOT NEW.resident_id OR OLD.done_at IS NOT NEW.done_at
         OR OLD.minutes IS NOT NEW.minutes)
BEGIN
    INSERT INTO share_versions (grid_code, v)
    SELECT DISTINCT grid_code, 1 FROM resident_tags
    WHERE resident_id IN (OLD.resident_id, NEW.resident_id)
    ON CONFLICT (grid_code) DO UPDATE SET v = v + 1;
END;

CREATE TRIGGER share_v_needs_delete AFTER DELETE ON match_needs
WHEN OLD.done_at IS NOT NULL
BEGIN
    INSERT INTO share_versions (grid_code, v)
    SELECT DISTINCT grid_code, 1 FROM resident_tags WHERE resident_id = OLD.resident_id
    ON CONFLICT (grid_code) DO UPDATE SET v = v + 1;
END;
}}
{{PG:
-- Bumps the versions of the grids given (each once, in code order: writers that touch
-- several grids take their rows' locks in one order).
CREATE FUNCTION gz_share_bump(p_codes TEXT[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO share_versions AS t (grid_code, v)
    SELECT DISTINCT c COLLATE "C", 1 FROM unnest(p_codes) AS c WHERE c IS NOT NULL
    ORDER BY 1
    ON CONFLICT (grid_code) DO UPDATE SET v = t.v + 1;
END
$$;

-- The grids of the tag rows of the residents given and of the residents living in the
-- households given.
CREATE FUNCTION gz_share_tag_grids(p_residents BIGINT[], p_households BIGINT[])
RETURNS TEXT[] LANGUAGE sql STABLE AS $$
    SELECT ARRAY(SELECT t.grid_code::TEXT FROM resident_tags t
                 WHERE t.resident_id = ANY (p_residents)
                 UNION SELECT t.grid_code::TEXT FROM residents r
                 JOIN resident_tags t ON t.resident_id = r.id
                 WHERE r.household_id = ANY (p_households))
$$;

CREATE FUNCTION gz_share_v_cases() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    codes TEXT[] := '{}';
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.accepted_at IS NOT NULL
       AND OLD.self_handled = 0 AND OLD.state NOT IN ('withdrawn', 'merged') THEN
        codes := codes || OLD.grid_code::TEXT;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') AND NEW.accepted_at IS NOT NULL
       AND NEW.self_handled = 0 AND NEW.state NOT IN ('withdrawn', 'merged') THEN
        codes := codes || NEW.grid_code::TEXT;
    END IF;
    IF cardinality(codes) > 0 THEN
        PERFORM gz_share_bump(codes);
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER share_v_cases_insert AFTER INSERT OR DELETE ON cases
    FOR EACH ROW EXECUTE FUNCTION gz_share_v_cases();
CREATE TRIGGER share_v_cases_update AFTER UPDATE OF grid_code, reported_at, self_handled,
    state, accepted_at, satisfaction, responded_at, closed_at ON cases
    FOR EACH ROW
    WHEN (OLD.grid_code IS DISTINCT FROM NEW.grid_code
          OR OLD.reported_at IS DISTINCT FROM NEW.reported_at
          OR OLD.self_handled IS DISTINCT FROM NEW.self_handled
          OR OLD.state IS DISTINCT FROM NEW.state
          OR OLD.accepted_at IS DISTINCT FROM NEW.accepted_at
          OR OLD.satisfaction IS DISTINCT FROM NEW.satisfaction
          OR OLD.responded_at IS DISTINCT FROM NEW.responded_at
          OR OLD.closed_at IS DISTINCT FROM NEW.closed_at)
    EXECUTE FUNCTION gz_share_v_cases();

CREATE FUNCTION gz_share_v_tags() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM gz_share_bump(ARRAY[NEW.grid_code::TEXT]);
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM gz_share_bump(ARRAY[OLD.grid_code::TEXT]);
    ELSE
        PERFORM gz_share_bump(ARRAY[OLD.grid_code::TEXT, NEW.grid_code::TEXT]);
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER share_v_tags AFTER INSERT OR UPDATE OR DELETE ON resident_tags
    FOR EACH ROW EXECUTE FUNCTION gz_share_v_tags();

CREATE FUNCTION gz_share_v_residents() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM gz_share_bump(gz_share_tag_grids(ARRAY[NEW.id], '{}'));
    RETURN NULL;
END
$$;
CREATE TRIGGER share_v_residents AFTER UPDATE OF deleted_at, status, household_id
    ON residents FOR EACH ROW
    WHEN (OLD.deleted_at IS DISTINCT FROM NEW.deleted_at
          OR OLD.status IS DISTINCT FROM NEW.status
          OR OLD.household_id IS DISTINCT FROM NEW.household_id)
    EXECUTE FUNCTION gz_share_v_residents();

CREATE FUNCTION gz_share_v_visits() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM gz_share_bump(gz_share_tag_grids(ARRAY[NEW.resident_id],
                                                 ARRAY[NEW.household_id]));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM gz_share_bump(gz_share_tag_grids(ARRAY[OLD.resident_id],
                                                 ARRAY[OLD.household_id]));
    ELSE
        PERFORM gz_share_bump(gz_share_tag_grids(ARRAY[OLD.resident_id, NEW.resident_id],
                                                 ARRAY[OLD.household_id, NEW.household_id]));
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER share_v_visits AFTER INSERT OR UPDATE OR DELETE ON visits
    FOR EACH ROW EXECUTE FUNCTION gz_share_v_visits();

CREATE FUNCTION gz_share_v_needs() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF NEW.done_at IS NOT NULL THEN
            PERFORM gz_share_bump(gz_share_tag_grids(ARRAY[NEW.resident_id], '{}'));
        END IF;
    ELSIF TG_OP = 'DELETE' THEN
        IF OLD.done_at IS NOT NULL THEN
            PERFORM gz_share_bump(gz_share_tag_grids(ARRAY[OLD.resident_id], '{}'));
        END IF;
    ELSIF OLD.done_at IS NOT NULL OR NEW.done_at IS NOT NULL THEN
        PERFORM gz_share_bump(gz_share_tag_grids(ARRAY[OLD.resident_id, NEW.resident_id],
                                                 '{}'));
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER share_v_needs_insert AFTER INSERT OR DELETE ON match_needs
    FOR EACH ROW EXECUTE FUNCTION gz_share_v_needs();
CREATE TRIGGER share_v_needs_update AFTER UPDATE OF resident_id, done_at, minutes
    ON match_needs FOR EACH ROW
    WHEN (OLD.resident_id IS DISTINCT FROM NEW.resident_id
          OR OLD.done_at IS DISTINCT FROM NEW.done_at
          OR OLD.minutes IS DISTINCT FROM NEW.minutes)
    EXECUTE FUNCTION gz_share_v_needs();
}}
