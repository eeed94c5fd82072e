-- Mobilisation (社会动员): activities with sign-up, waitlist and check-in; volunteer
-- service records (志愿服务条例); the points ledger (积分, append-only, double-entry); the
-- charity store (爱心超市). docs/METRICS.md has the formulas, docs/SECURITY.md the policy.
-- Times are BIGINT milliseconds since the epoch (UTC); durations whole minutes; points
-- whole points. Statuses and kinds are stable ASCII codes checked by rules.c.
--
-- Scope: every row carries the space code of the place it belongs to (scope_code,
-- place_code, community_code), compared as a byte range, hence COLLATE "C" on PostgreSQL.

-- The people who serve: one row per account that has signed up or been recorded, with
-- the name it had then (the identity a service record and a certificate carry).
CREATE TABLE mob_volunteers (
    user_id BIGINT PRIMARY KEY REFERENCES users (id),
    name TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

-- 志愿活动 / 党员活动. kind: volunteer, party. place_code: the grid or community where it
-- happens (its scope). organiser_name: the organiser organisation's name when published.
-- code_secret: the key of the rotating check-in code (rules.h), never sent. status: open
-- (sign-up and check-in), confirmed (hours confirmed: closed), cancelled. confirmed_n
-- and waitlisted_n are kept exact by the writes; signup_seq numbers the sign-ups.
CREATE TABLE mob_activities (
    id {{ID}},
    kind TEXT NOT NULL,
    organiser_org_id BIGINT NOT NULL REFERENCES organisations (id),
    organiser_name TEXT NOT NULL,
    contact TEXT NOT NULL DEFAULT '',
    title TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    place_code TEXT {{PG:COLLATE "C"}} NOT NULL,
    address TEXT NOT NULL DEFAULT '',
    start_at BIGINT NOT NULL,
    end_at BIGINT NOT NULL,
    slots BIGINT NOT NULL CHECK (slots >= 1),
    skills TEXT NOT NULL DEFAULT '[]',
    points_per_hour BIGINT NOT NULL CHECK (points_per_hour >= 0),
    code_secret {{BLOB}} NOT NULL,
    status TEXT NOT NULL,
    confirmed_n BIGINT NOT NULL DEFAULT 0 CHECK (confirmed_n >= 0),
    waitlisted_n BIGINT NOT NULL DEFAULT 0 CHECK (waitlisted_n >= 0),
    signup_seq BIGINT NOT NULL DEFAULT 0,
    created_by BIGINT REFERENCES users (id),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    confirmed_at BIGINT,
    CHECK (end_at > start_at)
);
CREATE INDEX mob_activities_place ON mob_activities (place_code, id);
CREATE INDEX mob_activities_organiser ON mob_activities (organiser_org_id, id);

-- Sign-ups. status: confirmed (holds a slot), waitlisted, cancelled, no_show, attended.
-- seq: order of sign-up within the activity (the waitlist promotes in seq order; a
-- cancelled sign-up that signs up again gets a new seq). last_code_step: the last
-- check-in code step this person used (a code is single use per person). minutes: the
-- hours credited when confirmed. check_out_by: self, or organiser (a missing check-out
-- closed by the organiser).
CREATE TABLE mob_signups (
    id {{ID}},
    activity_id BIGINT NOT NULL REFERENCES mob_activities (id),
    user_id BIGINT NOT NULL REFERENCES users (id),
    scope_code TEXT {{PG:COLLATE "C"}} NOT NULL,
    seq BIGINT NOT NULL,
    status TEXT NOT NULL,
    check_in_at BIGINT,
    check_out_at BIGINT,
    check_out_by TEXT,
    last_code_step BIGINT NOT NULL DEFAULT 0,
    minutes BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (activity_id, user_id),
    CHECK (check_out_at IS NULL OR (check_in_at IS NOT NULL AND check_out_at >= check_in_at))
);
CREATE INDEX mob_signups_activity ON mob_signups (activity_id, status, seq);
CREATE INDEX mob_signups_user ON mob_signups (user_id, id);

-- Volunteer service records (志愿服务记录), append-only: who (user_id), what (content),
-- when (started_at, ended_at), how long (minutes), for which organisation (org_name),
-- the evaluation (rating 1..5, evaluation text). kind: service (an activity's hours),
-- training, award, correction. A correction is a new row referencing the corrected one
-- (corrects_id) with minutes = the change and a reason; the corrected row never changes.
CREATE TABLE mob_service_records (
    id {{ID}},
    user_id BIGINT NOT NULL REFERENCES users (id),
    scope_code TEXT {{PG:COLLATE "C"}} NOT NULL,
    kind TEXT NOT NULL,
    activity_id BIGINT REFERENCES mob_activities (id),
    corrects_id BIGINT REFERENCES mob_service_records (id),
    org_name TEXT NOT NULL,
    content TEXT NOT NULL,
    started_at BIGINT,
    ended_at BIGINT,
    minutes BIGINT NOT NULL DEFAULT 0,
    rating INTEGER CHECK (rating IS NULL OR (rating >= 1 AND rating <= 5)),
    evaluation TEXT,
    reason TEXT,
    recorded_by BIGINT REFERENCES users (id),
    recorded_at BIGINT NOT NULL
);
CREATE INDEX mob_service_records_user ON mob_service_records (user_id, id);
CREATE INDEX mob_service_records_scope ON mob_service_records (scope_code, id);
CREATE INDEX mob_service_records_corrects ON mob_service_records (corrects_id);
CREATE UNIQUE INDEX mob_service_records_signup ON mob_service_records (activity_id, user_id, kind);

-- Points accounts. kind: member (a volunteer's points: user_id), issuer (a community's
-- source of points: earned and adjusted points come from it, so its balance is minus
-- what it issued), store (a community's charity store: points spent there). owner_key
-- names the account once: 'u:<user id>', 'issuer:<community>', 'store:<community>'.
-- balance is kept exactly in the transaction of every movement (so reading it is one
-- row), and never below zero except for an issuer.
CREATE TABLE points_accounts (
    id {{ID}},
    kind TEXT NOT NULL,
    owner_key TEXT {{PG:COLLATE "C"}} NOT NULL UNIQUE,
    user_id BIGINT REFERENCES users (id),
    scope_code TEXT {{PG:COLLATE "C"}} NOT NULL,
    balance BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    CHECK (balance >= 0 OR kind = 'issuer')
);

-- A movement of points (one business event): kind earn, redeem, refund, adjust, correct;
-- rule: the earning rule (service_hour ...); the member concerned; what it refers to
-- (ref_type service_record / redemption, ref_id); reason for adjustments; where
-- (scope_code: the community). Append-only.
CREATE TABLE points_movements (
    id {{ID}},
    kind TEXT NOT NULL,
    rule TEXT,
    scope_code TEXT {{PG:COLLATE "C"}} NOT NULL,
    user_id BIGINT REFERENCES users (id),
    ref_type TEXT,
    ref_id BIGINT,
    reason TEXT,
    at BIGINT NOT NULL,
    created_by BIGINT REFERENCES users (id)
);
CREATE INDEX points_movements_scope ON points_movements (scope_code, id);
CREATE INDEX points_movements_user ON points_movements (user_id, id);

-- The entries of the double-entry ledger: every movement has two or more entries whose
-- amounts sum to zero; balance_after is the account's balance after the entry. Append-only.
CREATE TABLE points_entries (
    id {{ID}},
    movement_id BIGINT NOT NULL REFERENCES points_movements (id),
    account_id BIGINT NOT NULL REFERENCES points_accounts (id),
    amount BIGINT NOT NULL CHECK (amount <> 0),
    balance_after BIGINT NOT NULL
);
CREATE INDEX points_entries_account ON points_entries (account_id, id);
CREATE INDEX points_entries_movement ON points_entries (movement_id);

-- Earning rules (settings): points per unit of each rule.
CREATE TABLE points_rules (
    rule TEXT PRIMARY KEY,
    points BIGINT NOT NULL CHECK (points >= 0),
    updated_at BIGINT NOT NULL,
    updated_by BIGINT REFERENCES users (id)
);
INSERT INTO points_rules (rule, points, updated_at) VALUES ('service_hour', 1, 0);
INSERT INTO points_rules (rule, points, updated_at) VALUES ('need_completed', 2, 0);
INSERT INTO points_rules (rule, points, updated_at) VALUES ('topic_participation', 1, 0);
INSERT INTO points_rules (rule, points, updated_at) VALUES ('vote', 1, 0);

-- 爱心超市 items of a community's store, with stock and a price in points.
CREATE TABLE store_items (
    id {{ID}},
    community_code TEXT {{PG:COLLATE "C"}} NOT NULL REFERENCES communities (code),
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    price_points BIGINT NOT NULL CHECK (price_points >= 1),
    stock BIGINT NOT NULL CHECK (stock >= 0),
    active INTEGER NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (community_code, name)
);
CREATE INDEX store_items_community ON store_items (community_code, id);

-- Redemptions: points paid (movement_id, which refers back to the redemption: set in the
-- transaction that creates both) and items taken; status pending (to be picked up),
-- picked_up (confirmed by staff), cancelled (points refunded by refund_movement_id, stock
-- returned).
CREATE TABLE store_redemptions (
    id {{ID}},
    item_id BIGINT NOT NULL REFERENCES store_items (id),
    user_id BIGINT NOT NULL REFERENCES users (id),
    scope_code TEXT {{PG:COLLATE "C"}} NOT NULL,
    quantity BIGINT NOT NULL CHECK (quantity >= 1),
    points BIGINT NOT NULL CHECK (points >= 1),
    status TEXT NOT NULL,
    movement_id BIGINT REFERENCES points_movements (id),
    refund_movement_id BIGINT REFERENCES points_movements (id),
    created_at BIGINT NOT NULL,
    picked_up_at BIGINT,
    picked_up_by BIGINT REFERENCES users (id),
    cancelled_at BIGINT
);
CREATE INDEX store_redemptions_scope ON store_redemptions (scope_code, id);
CREATE INDEX store_redemptions_user ON store_redemptions (user_id, id);

-- Every change of stock, append-only: kind initial, replenish, donation (from a
-- co-building unit: donor_org_id, and the agreement whose commitment it fulfils),
-- redeem, cancel. quantity is the signed change; stock_after the stock after it, so the
-- stock always equals the sum of its moves (gongzhi ledger check).
CREATE TABLE store_stock_moves (
    id {{ID}},
    item_id BIGINT NOT NULL REFERENCES store_items (id),
    scope_code TEXT {{PG:COLLATE "C"}} NOT NULL,
    kind TEXT NOT NULL,
    quantity BIGINT NOT NULL CHECK (quantity <> 0),
    stock_after BIGINT NOT NULL CHECK (stock_after >= 0),
    donor_org_id BIGINT REFERENCES organisations (id),
    agreement_id BIGINT REFERENCES coop_agreements (id),
    redemption_id BIGINT REFERENCES store_redemptions (id),
    note TEXT,
    at BIGINT NOT NULL,
    created_by BIGINT REFERENCES users (id)
);
CREATE INDEX store_stock_moves_item ON store_stock_moves (item_id, id);

-- Record certificates (志愿服务记录证明) issued to volunteers, free of charge: number
-- "ZYZM-<year of issue>-<id, 8 digits>" (rules.h mob_certificate_number), and what the
-- certificate says (JSON: identity, total hours, services, issuing organisation and
-- contact), kept as issued so its PDF always shows the same figures.
CREATE TABLE mob_certificates (
    id {{ID}},
    user_id BIGINT NOT NULL REFERENCES users (id),
    issued_at BIGINT NOT NULL,
    content TEXT NOT NULL
);
CREATE INDEX mob_certificates_user ON mob_certificates (user_id, id);

-- Append-only: the ledger, the service records, the stock moves and the certificates
-- refuse UPDATE and DELETE whoever asks (corrections are new rows).
{{SQLITE:
CREATE TRIGGER points_entries_append_only_u BEFORE UPDATE ON points_entries
BEGIN SELECT RAISE(ABORT, 'points_entries is append-only'); END;
CREATE TRIGGER points_entries_append_only_d BEFORE DELETE ON points_entries
BEGIN SELECT RAISE(ABORT, 'points_entries is append-only'); END;
CREATE TRIGGER points_movements_append_only_u BEFORE UPDATE ON points_movements
BEGIN SELECT RAISE(ABORT, 'points_movements is append-only'); END;
CREATE TRIGGER points_movements_append_only_d BEFORE DELETE ON points_movements
BEGIN SELECT RAISE(ABORT, 'points_movements is append-only'); END;
CREATE TRIGGER mob_service_records_append_only_u BEFORE UPDATE ON mob_service_records
BEGIN SELECT RAISE(ABORT, 'mob_service_records is append-only'); END;
CREATE TRIGGER mob_service_records_append_only_d BEFORE DELETE ON mob_service_records
BEGIN SELECT RAISE(ABORT, 'mob_service_records is append-only'); END;
CREATE TRIGGER store_stock_moves_append_only_u BEFORE UPDATE ON store_stock_moves
BEGIN SELECT RAISE(ABORT, 'store_stock_moves is append-only'); END;
CREATE TRIGGER store_stock_moves_append_only_d BEFORE DELETE ON store_stock_moves
BEGIN SELECT RAISE(ABORT, 'store_stock_moves is append-only'); END;
CREATE TRIGGER mob_certificates_append_only_u BEFORE UPDATE ON mob_certificates
BEGIN SELECT RAISE(ABORT, 'mob_certificates is append-only'); END;
CREATE TRIGGER mob_certificates_append_only_d BEFORE DELETE ON mob_certificates
BEGIN SELECT RAISE(ABORT, 'mob_certificates is append-only'); END;
}}
{{PG:
CREATE FUNCTION mob_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
END
$$;
CREATE TRIGGER points_entries_append_only BEFORE UPDATE OR DELETE ON points_entries
    FOR EACH ROW EXECUTE FUNCTION mob_append_only();
CREATE TRIGGER points_movements_append_only BEFORE UPDATE OR DELETE ON points_movements
    FOR EACH ROW EXECUTE FUNCTION mob_append_only();
CREATE TRIGGER mob_service_records_append_only BEFORE UPDATE OR DELETE ON mob_service_records
    FOR EACH ROW EXECUTE FUNCTION mob_append_only();
CREATE TRIGGER store_stock_moves_append_only BEFORE UPDATE OR DELETE ON store_stock_moves
    FOR EACH ROW EXECUTE FUNCTION mob_append_only();
CREATE TRIGGER mob_certificates_append_only BEFORE UPDATE OR DELETE ON mob_certificates
    FOR EACH ROW EXECUTE FUNCTION mob_append_only();
}}

INSERT INTO record_counts (name, n) VALUES ('activities', 0);
INSERT INTO record_counts (name, n) VALUES ('signups', 0);
INSERT INTO record_counts (name, n) VALUES ('service_records', 0);
INSERT INTO record_counts (name, n) VALUES ('redemptions', 0);
