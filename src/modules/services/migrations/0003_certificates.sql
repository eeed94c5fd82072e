-- Certificates (证明) of issued applications: numbered per community and year, with a
-- verification code anyone can check on the public page. docs/SERVICES.md has the rules.
--
-- holder_name is the holder's name masked (surname and stars): it is what the certificate
-- and its PDF show; the full name stays in the resident register. body is the certified
-- text as issued (names in it masked likewise), so the PDF reads the same whenever it is
-- downloaded. verify_code is 16 symbols of an alphabet without look-alikes (80 bits),
-- written XXXX-XXXX-XXXX-XXXX. A revoked certificate keeps its row: revoked_at, the reason
-- and who revoked it.
CREATE TABLE service_certificates (
    id {{ID}},
    application_id BIGINT NOT NULL UNIQUE REFERENCES service_applications (id),
    number TEXT {{PG:COLLATE "C"}} NOT NULL UNIQUE,
    verify_code TEXT {{PG:COLLATE "C"}} NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    grid_code TEXT {{PG:COLLATE "C"}} NOT NULL,
    community_code TEXT {{PG:COLLATE "C"}} NOT NULL,
    community_name TEXT NOT NULL,
    holder_name TEXT NOT NULL,
    body TEXT NOT NULL,
    issued_at BIGINT NOT NULL,
    revoked_at BIGINT,
    revoked_reason TEXT,
    revoked_by BIGINT REFERENCES users (id)
);
CREATE INDEX service_certificates_grid ON service_certificates (grid_code, id);

-- The last number given per community and year (one row each, taken with an UPSERT in
-- the issuing transaction, so numbers never repeat across processes).
CREATE TABLE service_certificate_numbers (
    community_code TEXT {{PG:COLLATE "C"}} NOT NULL,
    year INTEGER NOT NULL,
    last BIGINT NOT NULL,
    PRIMARY KEY (community_code, year)
);

INSERT INTO record_counts (name, n) VALUES ('service_certificates', 0);
