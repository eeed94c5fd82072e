-- The space tree: street (街道) -> community (社区) -> grid (网格), and buildings placed
-- into grids. Times are BIGINT milliseconds since the epoch (UTC).
--
-- Codes are unit-grid codes (SPEC §3a): a 15-digit grid code = 6-digit county code
-- (GB/T 2260) + 3 street + 3 community + 3 grid; a community code is the grid code's
-- 12-digit prefix, a street code the 9-digit prefix (src/domain/space.h). Scope
-- queries are prefix ranges on these columns,  code >= S AND code < S || '~'  (see
-- policy_scope_upper()), answered by the primary-key and (code, ...) indexes. On
-- PostgreSQL the code columns use the "C" collation so that range is a byte-order range
-- whatever the database's locale.

CREATE TABLE streets (
    code TEXT {{PG:COLLATE "C"}} PRIMARY KEY,
    name TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE communities (
    code TEXT {{PG:COLLATE "C"}} PRIMARY KEY,
    street_code TEXT {{PG:COLLATE "C"}} NOT NULL REFERENCES streets (code),
    name TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX communities_street ON communities (street_code);

-- geometry is the GeoJSON geometry object (Polygon or MultiPolygon, WGS84 lon/lat) as
-- imported, compact. area_dm2 is the area in 0.01 m^2 (1 dm^2), computed on import
-- (docs/SPACE.md: cylindrical equal-area projection around the grid). The bounding box
-- is in 1e-7 degrees.
CREATE TABLE grids (
    code TEXT {{PG:COLLATE "C"}} PRIMARY KEY,
    community_code TEXT {{PG:COLLATE "C"}} NOT NULL REFERENCES communities (code),
    name TEXT NOT NULL,
    geometry TEXT NOT NULL,
    area_dm2 BIGINT NOT NULL,
    min_lng_e7 BIGINT NOT NULL,
    min_lat_e7 BIGINT NOT NULL,
    max_lng_e7 BIGINT NOT NULL,
    max_lat_e7 BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX grids_community ON grids (community_code);

-- Buildings, placed into the grid that contains their point (the same rule as
-- GET /api/v1/locate). lng/lat in 1e-7 degrees.
CREATE TABLE buildings (
    id {{ID}},
    grid_code TEXT {{PG:COLLATE "C"}} REFERENCES grids (code),
    name TEXT NOT NULL,
    address TEXT NOT NULL,
    lng_e7 BIGINT NOT NULL,
    lat_e7 BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX buildings_grid ON buildings (grid_code, id);

-- One row: bumped in every transaction that changes grid geometry (the grid import).
-- Each server process keeps the point-in-grid locator in memory and rebuilds it when
-- this number differs from the one it was built at, so several processes sharing one
-- PostgreSQL all answer from the current grids (docs/SPACE.md). Updating the row at
-- the start of an import also serialises imports on PostgreSQL (row lock), as BEGIN
-- IMMEDIATE does on SQLite.
CREATE TABLE space_version (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    version BIGINT NOT NULL
);
INSERT INTO space_version (id, version) VALUES (1, 0);

INSERT INTO record_counts (name, n) VALUES ('streets', 0);
INSERT INTO record_counts (name, n) VALUES ('communities', 0);
INSERT INTO record_counts (name, n) VALUES ('grids', 0);
INSERT INTO record_counts (name, n) VALUES ('buildings', 0);

{{SQLITE:
CREATE TRIGGER streets_count_insert AFTER INSERT ON streets
BEGIN
    UPDATE record_counts SET n = n + 1 WHERE name = 'streets';
END;
CREATE TRIGGER streets_count_delete AFTER DELETE ON streets
BEGIN
    UPDATE record_counts SET n = n - 1 WHERE name = 'streets';
END;
CREATE TRIGGER communities_count_insert AFTER INSERT ON communities
BEGIN
    UPDATE record_counts SET n = n + 1 WHERE name = 'communities';
END;
CREATE TRIGGER communities_count_delete AFTER DELETE ON communities
BEGIN
    UPDATE record_counts SET n = n - 1 WHERE name = 'communities';
END;
CREATE TRIGGER grids_count_insert AFTER INSERT ON grids
BEGIN
    UPDATE record_counts SET n = n + 1 WHERE name = 'grids';
END;
CREATE TRIGGER grids_count_delete AFTER DELETE ON grids
BEGIN
    UPDATE record_counts SET n = n - 1 WHERE name = 'grids';
END;
CREATE TRIGGER buildings_count_insert AFTER INSERT ON buildings
BEGIN
    UPDATE record_counts SET n = n + 1 WHERE name = 'buildings';
END;
CREATE TRIGGER buildings_count_delete AFTER DELETE ON buildings
BEGIN
    UPDATE record_counts SET n = n - 1 WHERE name = 'buildings';
END;
}}
{{PG:
CREATE FUNCTION gz_space_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        UPDATE record_counts SET n = n + 1 WHERE name = TG_ARGV[0];
    ELSIF TG_OP = 'DELETE' THEN
        UPDATE record_counts SET n = n - 1 WHERE name = TG_ARGV[0];
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER streets_count AFTER INSERT OR DELETE ON streets
    FOR EACH ROW EXECUTE FUNCTION gz_space_count('streets');
CREATE TRIGGER communities_count AFTER INSERT OR DELETE ON communities
    FOR EACH ROW EXECUTE FUNCTION gz_space_count('communities');
CREATE TRIGGER grids_count AFTER INSERT OR DELETE ON grids
    FOR EACH ROW EXECUTE FUNCTION gz_space_count('grids');
CREATE TRIGGER buildings_count AFTER INSERT OR DELETE ON buildings
    FOR EACH ROW EXECUTE FUNCTION gz_space_count('buildings');
}}
