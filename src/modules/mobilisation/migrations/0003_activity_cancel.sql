-- Cancelling an activity (status 'cancelled'): when and why, shown to everyone who signed
-- up (their sign-ups stay as they were; nothing credited is taken back: an open activity
-- has credited nothing).
ALTER TABLE mob_activities ADD COLUMN cancelled_at BIGINT;
ALTER TABLE mob_activities ADD COLUMN cancel_reason TEXT;
