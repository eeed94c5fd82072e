-- Deliberation (协商议事, issue 12): topics through their stages, and votes with the
-- electorate frozen when they open, their ballots and their stored results.
-- docs/DELIBERATION.md has the rules. Times are BIGINT milliseconds since the epoch
-- (UTC); areas are BIGINT 0.01 m^2 (as units.area_dm2).
--
-- Scope: every row carries the space code of its place (a community or a grid), so
-- "inside scope S" is the indexed range test  code >= S AND code < S || '~'.
-- Stages, rules, choices and channels are stable ASCII codes checked by the module's
-- rules (no CHECK constraint: a later value needs no table rebuild on SQLite).

-- stage: proposed, confirmed (确定议题: published to everyone in scope, published_at
-- set), consultation, meeting, voting, publicity, implementation, evaluation, closed;
-- or rejected. proposed_by: the account that proposed it (NULL: the command line).
CREATE TABLE topics (
    id {{ID}},
    scope_code TEXT {{PG:COLLATE "C"}} NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL DEFAULT '',
    stage TEXT NOT NULL,
    proposed_by BIGINT,
    published_at BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX topics_scope ON topics (scope_code, id);

-- Every stage a topic passed, with who moved it and a note (the record everyone in scope
-- sees).
CREATE TABLE topic_stages (
    id {{ID}},
    topic_id BIGINT NOT NULL REFERENCES topics (id),
    stage TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    user_id BIGINT,
    username TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX topic_stages_topic ON topic_stages (topic_id, id);

-- A vote on a topic. rule: owners_general, owners_major, simple_majority, two_thirds,
-- custom (participation / approval: the custom thresholds as text, e.g. "area>=2/3").
-- state: open, closed. result: the tally's JSON as stored at close (the thresholds with
-- their numbers), re-checkable from vote_electorate and ballots.
CREATE TABLE votes (
    id {{ID}},
    topic_id BIGINT NOT NULL REFERENCES topics (id),
    scope_code TEXT {{PG:COLLATE "C"}} NOT NULL,
    rule TEXT NOT NULL,
    participation TEXT NOT NULL DEFAULT '',
    approval TEXT NOT NULL DEFAULT '',
    secret INTEGER NOT NULL DEFAULT 0,
    state TEXT NOT NULL,
    electorate_units BIGINT NOT NULL,
    opened_at BIGINT NOT NULL,
    opened_by BIGINT,
    closed_at BIGINT,
    closed_by BIGINT,
    result TEXT
);
CREATE INDEX votes_topic ON votes (topic_id, id);
CREATE INDEX votes_scope ON votes (scope_code, id);

-- The electorate, frozen when the vote opens: one row per exclusive part (unit) in
-- scope, its area then, and its voter: the owner key the tally counts heads by
-- ('developer' for every unit the developer holds; co-owners of a unit are one voter,
-- their owner keys joined by '+'; 'unit:<id>' for a unit without a recorded owner).
CREATE TABLE vote_electorate (
    vote_id BIGINT NOT NULL REFERENCES votes (id),
    unit_id BIGINT NOT NULL REFERENCES units (id),
    voter_key TEXT {{PG:COLLATE "C"}} NOT NULL,
    area_dm2 BIGINT NOT NULL,
    PRIMARY KEY (vote_id, unit_id)
);
CREATE INDEX vote_electorate_voter ON vote_electorate (vote_id, voter_key);

-- Who may cast a voter's ballot online, frozen with the electorate: the residents
-- recorded as its owners then (their linked accounts vote).
CREATE TABLE vote_voters (
    vote_id BIGINT NOT NULL REFERENCES votes (id),
    voter_key TEXT {{PG:COLLATE "C"}} NOT NULL,
    resident_id BIGINT NOT NULL REFERENCES residents (id),
    PRIMARY KEY (vote_id, voter_key, resident_id)
);
CREATE INDEX vote_voters_resident ON vote_voters (resident_id);

-- One ballot per voter, replaced (never added) until the vote closes. channel: online
-- (the voter's own account), paper (entered by staff: cast_by is who entered it), proxy
-- (委托: entered by staff with the proxy's document).
CREATE TABLE ballots (
    vote_id BIGINT NOT NULL REFERENCES votes (id),
    voter_key TEXT {{PG:COLLATE "C"}} NOT NULL,
    choice TEXT NOT NULL,
    channel TEXT NOT NULL,
    proxy_document TEXT NOT NULL DEFAULT '',
    cast_by BIGINT,
    cast_at BIGINT NOT NULL,
    PRIMARY KEY (vote_id, voter_key)
);
