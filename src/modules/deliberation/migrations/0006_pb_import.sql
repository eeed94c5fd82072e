-- A round imported from a pabulib .pb file (POST /api/v1/pb-rounds/import): the file's
-- name ('' when none was given); NULL for a round run in the platform. An imported
-- round is closed at once; its ballots are the file's anonymous voters, keyed by
-- resident_id = -(1 + the voter's row among the file's votes), which no resident has.
ALTER TABLE pb_rounds ADD COLUMN source TEXT;
-- An imported round's project: its id in the file (the ids its stored result names).
ALTER TABLE pb_projects ADD COLUMN source_id TEXT;
