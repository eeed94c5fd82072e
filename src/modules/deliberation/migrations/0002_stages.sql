-- Deliberation, every stage on the record (issue 12): where a topic came from, the
-- consultation's comments and replies, meetings with their participants, publicity's
-- period, implementation's owner and tasks, residents' evaluation; and the residents'
-- electorate of a vote (residents aged 18+, or households), frozen when it opens.

-- source_case_id: the case (诉求) the topic was raised from (cases module), or NULL.
-- publicity_until: when publicity (公示) ends, set when it starts. implementation_owner:
-- who answers for implementation (a person or an organisation, by name).
ALTER TABLE topics ADD COLUMN source_case_id BIGINT;
ALTER TABLE topics ADD COLUMN publicity_until BIGINT;
ALTER TABLE topics ADD COLUMN implementation_owner TEXT NOT NULL DEFAULT '';

-- electorate: owners (vote_electorate: units), residents (vote_persons: one per adult,
-- 'resident:<id>') or households (vote_persons: one per household, 'household:<id>';
-- any adult member casts its ballot). vote_voters says which residents vote for a key.
ALTER TABLE votes ADD COLUMN electorate TEXT NOT NULL DEFAULT 'owners';
CREATE TABLE vote_persons (
    vote_id BIGINT NOT NULL REFERENCES votes (id),
    voter_key TEXT {{PG:COLLATE "C"}} NOT NULL,
    PRIMARY KEY (vote_id, voter_key)
);

-- Comments of the consultation (征求意见): a position (support, oppose, suggest) on a
-- top-level comment, none ('') on a reply (parent_id: the comment it answers).
CREATE TABLE topic_comments (
    id {{ID}},
    topic_id BIGINT NOT NULL REFERENCES topics (id),
    parent_id BIGINT REFERENCES topic_comments (id),
    position TEXT NOT NULL DEFAULT '',
    body TEXT NOT NULL,
    user_id BIGINT,
    username TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX topic_comments_topic ON topic_comments (topic_id, id);

-- Meetings (议事会): when, where, minutes; participants by name and actor (party,
-- residents_committee, owners_committee, property, resident, ...: topic.h).
CREATE TABLE topic_meetings (
    id {{ID}},
    topic_id BIGINT NOT NULL REFERENCES topics (id),
    held_at BIGINT NOT NULL,
    place TEXT NOT NULL DEFAULT '',
    minutes TEXT NOT NULL,
    user_id BIGINT,
    username TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX topic_meetings_topic ON topic_meetings (topic_id, id);
CREATE TABLE topic_meeting_participants (
    meeting_id BIGINT NOT NULL REFERENCES topic_meetings (id),
    seq INTEGER NOT NULL,
    name TEXT NOT NULL,
    actor TEXT NOT NULL,
    organisation TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (meeting_id, seq)
);

-- Implementation (实施): tasks with whoever does them and their progress (percent).
CREATE TABLE topic_tasks (
    id {{ID}},
    topic_id BIGINT NOT NULL REFERENCES topics (id),
    title TEXT NOT NULL,
    assignee TEXT NOT NULL DEFAULT '',
    progress INTEGER NOT NULL DEFAULT 0,
    note TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    updated_by TEXT NOT NULL
);
CREATE INDEX topic_tasks_topic ON topic_tasks (topic_id, id);

-- Evaluation (监督评议): one per account, replaced until the topic closes. rating:
-- satisfied, basic, dissatisfied.
CREATE TABLE topic_evaluations (
    topic_id BIGINT NOT NULL REFERENCES topics (id),
    user_id BIGINT NOT NULL,
    username TEXT NOT NULL,
    rating TEXT NOT NULL,
    comment TEXT NOT NULL DEFAULT '',
    at BIGINT NOT NULL,
    PRIMARY KEY (topic_id, user_id)
);
