-- Appointments for in-person services (预约办事): counters (窗口) of a community's one-stop
-- hall with their hours and how many people each half-hour slot takes; residents book a
-- slot, cancel it, and take a queue number when they arrive on the day. docs/SERVICES.md.
--
-- code is the counter's letter within its community (A, B …), the prefix of its queue
-- numbers (A007). opening_hours as for venues; capacity: people per 30-minute slot.
CREATE TABLE service_counters (
    id {{ID}},
    community_code TEXT {{PG:COLLATE "C"}} NOT NULL,
    code TEXT {{PG:COLLATE "C"}} NOT NULL,
    name TEXT NOT NULL,
    office TEXT NOT NULL DEFAULT '',
    opening_hours TEXT NOT NULL,
    capacity INTEGER NOT NULL CHECK (capacity > 0),
    active INTEGER NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (community_code, code)
);

-- How many live appointments a slot holds. An appointment takes its place with one UPSERT
-- that adds one only while taken < capacity (ON CONFLICT … DO UPDATE … WHERE), so a full
-- slot can never be overbooked, whoever races; a cancellation gives the place back.
CREATE TABLE appointment_slots (
    counter_id BIGINT NOT NULL REFERENCES service_counters (id),
    slot_start BIGINT NOT NULL,
    taken INTEGER NOT NULL CHECK (taken >= 0),
    PRIMARY KEY (counter_id, slot_start)
);

-- state: booked, cancelled. queue_number is given at check-in on the day (取号). An
-- appointment neither cancelled nor checked in by the end of its slot is a no-show.
CREATE TABLE appointments (
    id {{ID}},
    counter_id BIGINT NOT NULL REFERENCES service_counters (id),
    community_code TEXT {{PG:COLLATE "C"}} NOT NULL,
    user_id BIGINT REFERENCES users (id),
    service_id BIGINT REFERENCES services (id),
    slot_start BIGINT NOT NULL,
    state TEXT NOT NULL,
    queue_number TEXT,
    checked_in_at BIGINT,
    cancelled_at BIGINT,
    note TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX appointments_counter ON appointments (counter_id, slot_start);
CREATE INDEX appointments_community ON appointments (community_code, id);
CREATE INDEX appointments_user ON appointments (user_id, id);

-- The last queue number given per counter and Beijing day.
CREATE TABLE appointment_numbers (
    counter_id BIGINT NOT NULL REFERENCES service_counters (id),
    day TEXT {{PG:COLLATE "C"}} NOT NULL,
    last BIGINT NOT NULL,
    PRIMARY KEY (counter_id, day)
);

INSERT INTO record_counts (name, n) VALUES ('appointments', 0);
