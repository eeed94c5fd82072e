-- Participatory budget rounds (民生微实事, issue 12 item 5): a budget per place and
-- round; residents propose projects, staff check their feasibility and cost them (fen),
-- the adults of the place frozen when voting opens approve any number of feasible
-- projects (one ballot each, replaced until close), and at close the round's rule
-- (greedy, mes, mes-add1: PB-RULES.md, pb.h) picks the winners. The result is stored as
-- `gongzhi pb --explain` prints it, computed from the round's own pabulib text.
-- state: proposing, voting, closed.
CREATE TABLE pb_rounds (
    id {{ID}},
    scope_code TEXT {{PG:COLLATE "C"}} NOT NULL,
    title TEXT NOT NULL,
    budget_fen BIGINT NOT NULL,
    rule TEXT NOT NULL,
    state TEXT NOT NULL,
    result TEXT,
    created_by BIGINT,
    created_at BIGINT NOT NULL,
    opened_at BIGINT,
    closed_at BIGINT
);
CREATE INDEX pb_rounds_scope ON pb_rounds (scope_code, id);

-- feasible: NULL not yet checked, 1 feasible (then cost_fen is set), 0 not feasible
-- (review_note says why). selected: chosen by the rule at close.
CREATE TABLE pb_projects (
    id {{ID}},
    round_id BIGINT NOT NULL REFERENCES pb_rounds (id),
    title TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    proposed_by BIGINT,
    proposer TEXT NOT NULL,
    feasible INTEGER,
    cost_fen BIGINT,
    review_note TEXT NOT NULL DEFAULT '',
    selected INTEGER NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL
);
CREATE INDEX pb_projects_round ON pb_projects (round_id, id);

-- The electorate, frozen when voting opens: the place's residents aged 18+.
CREATE TABLE pb_voters (
    round_id BIGINT NOT NULL REFERENCES pb_rounds (id),
    resident_id BIGINT NOT NULL REFERENCES residents (id),
    PRIMARY KEY (round_id, resident_id)
);

-- One ballot per voter (replaced until close) and the projects it approves.
CREATE TABLE pb_ballots (
    round_id BIGINT NOT NULL REFERENCES pb_rounds (id),
    resident_id BIGINT NOT NULL,
    channel TEXT NOT NULL,
    cast_by BIGINT,
    cast_at BIGINT NOT NULL,
    PRIMARY KEY (round_id, resident_id)
);
CREATE TABLE pb_approvals (
    round_id BIGINT NOT NULL REFERENCES pb_rounds (id),
    resident_id BIGINT NOT NULL,
    project_id BIGINT NOT NULL REFERENCES pb_projects (id),
    PRIMARY KEY (round_id, resident_id, project_id)
);
