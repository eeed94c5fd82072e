-- Accounts, role grants, sessions, login rate limiting and the audit log.
-- Times are BIGINT milliseconds since the epoch (UTC).
--
-- Scope columns hold space codes (materialised paths: 6-digit county + 3 street +
-- 3 community + 3 grid) or '' for the whole system; "inside scope S" is the range test
--   scope >= S AND scope < S || '~'
-- (see src/domain/policy.h). On PostgreSQL they use the "C" collation so that range is
-- a byte-order range whatever the database's locale (a linguistic collation may sort
-- '~' before digits).

-- Users. Deletion is soft (deleted_at) so the audit log keeps who did what; a deleted
-- user's sessions stop working at once (session lookup joins on deleted_at IS NULL).
-- password_hash is an argon2id string from libsodium's crypto_pwhash_str; the
-- password itself is never stored.
CREATE TABLE users (
    id {{ID}},
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL DEFAULT '',
    password_hash TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    deleted_at BIGINT
);

-- A grant binds a role (policy_role_name(): 'resident', 'grid_worker', ...) to a scope.
CREATE TABLE grants (
    user_id BIGINT NOT NULL REFERENCES users (id),
    role TEXT NOT NULL,
    scope TEXT {{PG:COLLATE "C"}} NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (user_id, role, scope)
);
-- Accounts visible to an administrator: users with a grant inside the admin's scope.
CREATE INDEX grants_scope ON grants (scope, user_id);

-- Sessions. Only the 32-byte BLAKE2b (crypto_generichash) hash of the random token is
-- stored, so a copy of the database gives no usable token.
CREATE TABLE sessions (
    token_hash {{BLOB}} PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id),
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expires ON sessions (expires_at);

-- Failed logins in a fixed window, per account ('u:NAME') and per client address
-- ('ip:ADDR'). Kept in the database so several server processes share the limit.
CREATE TABLE login_failures (
    key TEXT PRIMARY KEY,
    window_start BIGINT NOT NULL,
    count BIGINT NOT NULL
);
CREATE INDEX login_failures_window ON login_failures (window_start);

-- The audit log: append-only (no code path updates or deletes it). user_id is NULL
-- for the command line and for anonymous events (failed logins); username then says
-- who ('cli', or the name that was tried). scope is the space code of the record, so
-- an administrator reads the rows inside their scope; detail is a JSON object or NULL.
CREATE TABLE audit_log (
    id {{ID}},
    at BIGINT NOT NULL,
    user_id BIGINT,
    username TEXT NOT NULL DEFAULT '',
    action TEXT NOT NULL,
    record_type TEXT NOT NULL DEFAULT '',
    record_id TEXT NOT NULL DEFAULT '',
    scope TEXT {{PG:COLLATE "C"}} NOT NULL DEFAULT '',
    ip TEXT NOT NULL DEFAULT '',
    request_id TEXT NOT NULL DEFAULT '',
    detail TEXT
);
CREATE INDEX audit_log_scope ON audit_log (scope, id);
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_record ON audit_log (record_type, record_id, id);

-- Exact count of live (not deleted) users for the dashboard.
INSERT INTO record_counts (name, n) VALUES ('users', 0);

{{SQLITE:
CREATE TRIGGER users_count_insert AFTER INSERT ON users
WHEN NEW.deleted_at IS NULL
BEGIN
    UPDATE record_counts SET n = n + 1 WHERE name = 'users';
END;
CREATE TRIGGER users_count_soft_delete AFTER UPDATE OF deleted_at ON users
WHEN OLD.deleted_at IS NULL AND NEW.deleted_at IS NOT NULL
BEGIN
    UPDATE record_counts SET n = n - 1 WHERE name = 'users';
END;
CREATE TRIGGER users_count_undelete AFTER UPDATE OF deleted_at ON users
WHEN OLD.deleted_at IS NOT NULL AND NEW.deleted_at IS NULL
BEGIN
    UPDATE record_counts SET n = n + 1 WHERE name = 'users';
END;
CREATE TRIGGER users_count_delete AFTER DELETE ON users
WHEN OLD.deleted_at IS NULL
BEGIN
    UPDATE record_counts SET n = n - 1 WHERE name = 'users';
END;
}}
{{PG:
CREATE FUNCTION gz_users_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF NEW.deleted_at IS NULL THEN
            UPDATE record_counts SET n = n + 1 WHERE name = 'users';
        END IF;
    ELSIF TG_OP = 'UPDATE' THEN
        IF OLD.deleted_at IS NULL AND NEW.deleted_at IS NOT NULL THEN
            UPDATE record_counts SET n = n - 1 WHERE name = 'users';
        ELSIF OLD.deleted_at IS NOT NULL AND NEW.deleted_at IS NULL THEN
            UPDATE record_counts SET n = n + 1 WHERE name = 'users';
        END IF;
    ELSIF TG_OP = 'DELETE' THEN
        IF OLD.deleted_at IS NULL THEN
            UPDATE record_counts SET n = n - 1 WHERE name = 'users';
        END IF;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER users_count AFTER INSERT OR UPDATE OF deleted_at OR DELETE ON users
    FOR EACH ROW EXECUTE FUNCTION gz_users_count();
}}
