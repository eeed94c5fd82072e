-- Photos of cases (src/modules/cases/photos.c): JPEG, PNG or WebP, told by their bytes,
-- at most 5 MiB. Stored content-addressed: the bytes once per SHA-256 (case_photo_blobs),
-- in the database, so a photo is in the same transaction, backup and PostgreSQL as its
-- case for every gongzhi process. case_photos: one upload by one account (user_id; NULL
-- for the command line), attached to a case (case_id) by the report or the action that
-- names it; until then only its uploader may use it.
CREATE TABLE case_photo_blobs (
    sha256 TEXT {{PG:COLLATE "C"}} PRIMARY KEY,
    media_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    data {{BLOB}} NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE case_photos (
    id {{ID}},
    sha256 TEXT {{PG:COLLATE "C"}} NOT NULL REFERENCES case_photo_blobs (sha256),
    user_id BIGINT REFERENCES users (id),
    case_id BIGINT REFERENCES cases (id),
    created_at BIGINT NOT NULL
);
CREATE INDEX case_photos_case ON case_photos (case_id, sha256);
CREATE INDEX case_photos_user ON case_photos (user_id, case_id);
