-- source_need_id: the need (需求, matching module) the topic was raised from, or NULL. No
-- foreign key: the matching module's tables are created after this module's.
ALTER TABLE topics ADD COLUMN source_need_id BIGINT;
