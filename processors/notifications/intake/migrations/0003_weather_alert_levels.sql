-- The last known level of each severe weather alert svc-notifications was told about
-- (weather-alert.issued, then each weather-alert.updated), so an update can be judged: one
-- that raises the severity or newly recommends cancellation is a safety matter, any other
-- is information. event_id and raised keep the judgement of the event that wrote the row, so
-- a redelivery of that event (past the inbox) is routed as the first delivery was.
CREATE TABLE weather_alert_levels (
	alert_id               text        PRIMARY KEY,
	severity               text        NOT NULL,
	recommend_cancellation boolean     NOT NULL,
	event_id               text        NOT NULL,
	raised                 boolean     NOT NULL,
	as_of                  timestamptz NOT NULL  -- the writing event's occurred_at
);
