-- Venues and shared resources (场地与共享资源): the rooms of the 党群服务中心 and the venues
-- and equipment co-building units open to the community under their agreements, with
-- opening hours, and their bookings. docs/SERVICES.md has the rules.
--
-- community_code is where a venue serves (the scope). owner_org_id is the co-building unit
-- offering it and agreement_id the 共建协议 it is offered under (NULL for the centre's own
-- rooms); a venue whose agreement is not in force for the whole booking cannot be booked.
-- opening_hours: JSON [{weekday 1..7, open "HH:MM", close "HH:MM"}]; max_minutes: the
-- longest booking.
CREATE TABLE venues (
    id {{ID}},
    name TEXT NOT NULL,
    kind TEXT NOT NULL,                    -- 'room', 'venue', 'equipment'
    community_code TEXT {{PG:COLLATE "C"}} NOT NULL,
    owner_org_id BIGINT REFERENCES organisations (id),
    agreement_id BIGINT REFERENCES coop_agreements (id),
    address TEXT NOT NULL DEFAULT '',
    capacity INTEGER NOT NULL CHECK (capacity > 0),
    opening_hours TEXT NOT NULL,
    max_minutes INTEGER NOT NULL CHECK (max_minutes > 0),
    rules TEXT NOT NULL DEFAULT '',
    active INTEGER NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX venues_community ON venues (community_code, id);

-- state: pending (awaiting the owner's approval), approved, rejected, cancelled.
-- checked_in_at: when the booker arrived (check-in). Times are ms since the epoch.
CREATE TABLE venue_bookings (
    id {{ID}},
    venue_id BIGINT NOT NULL REFERENCES venues (id),
    community_code TEXT {{PG:COLLATE "C"}} NOT NULL,
    user_id BIGINT REFERENCES users (id),
    purpose TEXT NOT NULL,
    attendees INTEGER NOT NULL,
    start_at BIGINT NOT NULL,
    end_at BIGINT NOT NULL,
    state TEXT NOT NULL,
    decided_at BIGINT,
    decided_by BIGINT REFERENCES users (id),
    reason TEXT,
    cancelled_at BIGINT,
    checked_in_at BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    CHECK (end_at > start_at)
);
CREATE INDEX venue_bookings_venue ON venue_bookings (venue_id, start_at);
CREATE INDEX venue_bookings_community ON venue_bookings (community_code, id);
CREATE INDEX venue_bookings_user ON venue_bookings (user_id, id);

-- No two live bookings of a venue overlap: a pending or approved booking holds one row per
-- 30-minute slot it covers, and the primary key admits each (venue, slot) once. Two
-- overlapping bookings racing each other — on SQLite or on PostgreSQL, in one process or
-- several — both insert the slot they share; the database lets one commit and the other
-- fails on the key (409). Slots are inserted in time order, so two transactions never wait
-- for each other in a cycle. A rejected or cancelled booking's rows are deleted with it.
CREATE TABLE venue_slots (
    venue_id BIGINT NOT NULL REFERENCES venues (id),
    slot_start BIGINT NOT NULL,
    booking_id BIGINT NOT NULL REFERENCES venue_bookings (id),
    PRIMARY KEY (venue_id, slot_start)
);
CREATE INDEX venue_slots_booking ON venue_slots (booking_id);

INSERT INTO record_counts (name, n) VALUES ('venues', 0);
INSERT INTO record_counts (name, n) VALUES ('venue_bookings', 0);
