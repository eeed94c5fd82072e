-- Attachments of meetings (议事会) (src/modules/deliberation/meeting_files.c): PDF, JPEG,
-- PNG or WebP, told by their bytes (gz_media_sniff), at most 10 MiB. Stored
-- content-addressed as the cases module's photos are: the bytes once per SHA-256
-- (topic_meeting_blobs), in the database, so a meeting's files are in the same
-- transaction, backup and PostgreSQL as its minutes. topic_meeting_attachments: one file
-- of one meeting, with the name it was uploaded under and who uploaded it.
CREATE TABLE topic_meeting_blobs (
    sha256 TEXT {{PG:COLLATE "C"}} PRIMARY KEY,
    media_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    data {{BLOB}} NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE topic_meeting_attachments (
    id {{ID}},
    meeting_id BIGINT NOT NULL REFERENCES topic_meetings (id),
    sha256 TEXT {{PG:COLLATE "C"}} NOT NULL REFERENCES topic_meeting_blobs (sha256),
    name TEXT NOT NULL DEFAULT '',
    user_id BIGINT,
    username TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX topic_meeting_attachments_meeting ON topic_meeting_attachments (meeting_id, id);
CREATE INDEX topic_meeting_attachments_sha ON topic_meeting_attachments (sha256);
