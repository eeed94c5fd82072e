-- The in-app inbox (站内消息): what happened that concerns an account — a case assigned
-- to it or changed, an application returned for missing materials, a vote opened.
-- Written by the module that did the write, in that write's transaction
-- (modules/notify/notify.h), so a notification exists exactly when its cause does.
-- Times are BIGINT milliseconds since the epoch (UTC).
--
-- title is the one line shown (names, never codes); link the web route that opens the
-- record; object_type/object_id what it is about, for the web to refresh what is open.
-- read_at is set when the account reads it; nothing else ever changes a row.
CREATE TABLE notifications (
    id {{ID}},
    user_id BIGINT NOT NULL REFERENCES users (id),
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    link TEXT NOT NULL DEFAULT '',
    object_type TEXT NOT NULL DEFAULT '',
    object_id BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    read_at BIGINT
);
-- An account's inbox, newest first; its unread ones (the count on the bell).
CREATE INDEX notifications_user ON notifications (user_id, id);
CREATE INDEX notifications_unread ON notifications (user_id, id) WHERE read_at IS NULL;
