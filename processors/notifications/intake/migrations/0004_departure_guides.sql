-- The guides schedule.published assigned to each departure, so a trip weather risk (which
-- names the departure and its schedule, not people) also reaches the departure's guides.
-- One schedule's rows are replaced by each newer revision; rows of departures that ended
-- more than a day ago are pruned when a schedule is recorded.
CREATE TABLE departure_guides (
	schedule_id  text        NOT NULL,
	departure_id text        NOT NULL,
	guide_id     text        NOT NULL,
	revision     integer     NOT NULL,
	ends_at      timestamptz NOT NULL,
	PRIMARY KEY (schedule_id, departure_id, guide_id)
);
CREATE INDEX departure_guides_ends_at ON departure_guides (ends_at);
