-- Account state for self-service and administration (issue 9, "Accounts").
--
-- password_reset_at: set when an administrator resets the password to a one-time
-- password; while it is set the user must choose a new password before anything else
-- (the server's auth hook answers 403 password_change_required). Cleared when the user
-- changes the password.
-- disabled_at: the account is disabled (cannot log in; its sessions were ended and the
-- session lookup ignores it). NULL = enabled. Unlike deleted_at it can be undone.
ALTER TABLE users ADD COLUMN password_reset_at BIGINT;
ALTER TABLE users ADD COLUMN disabled_at BIGINT;
