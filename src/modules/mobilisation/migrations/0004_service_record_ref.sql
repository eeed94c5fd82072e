-- Service outside an activity: a service record (kind 'service', activity_id NULL) may
-- refer to what it was for in another capability (ref_type, ref_id), e.g. a completed
-- need of the matching module ('match_need', its id). One record per reference and
-- volunteer, so a retried completion cannot count the hours twice.
ALTER TABLE mob_service_records ADD COLUMN ref_type TEXT;
ALTER TABLE mob_service_records ADD COLUMN ref_id BIGINT;
CREATE UNIQUE INDEX mob_service_records_ref ON mob_service_records (ref_type, ref_id, user_id);
