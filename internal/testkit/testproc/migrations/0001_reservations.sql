-- The test processor's projection (search_path is the processor's schema).
CREATE TABLE reservations (
    reservation_id   uuid        PRIMARY KEY,
    guest_id         uuid        NOT NULL,
    trip_id          text        NOT NULL,
    -- NULL until the created event arrives (a status change can come first across topics).
    -- The CHECK is the business rule that makes a reservation without guests a poison event.
    party_size       integer     CHECK (party_size > 0),
    status           text        NOT NULL,
    applied_events   integer     NOT NULL DEFAULT 0,
    -- occurred_at of the latest status change applied; a status change older than it was
    -- handled out of order for its key and is counted in out_of_order.
    last_status_at   timestamptz,
    out_of_order     integer     NOT NULL DEFAULT 0,
    updated_at       timestamptz NOT NULL DEFAULT now()
);

-- One row per applied event. Deliberately no unique key: a double effect must show up as
-- two rows, not be hidden by a constraint.
CREATE TABLE applied_events (
    event_id       uuid        NOT NULL,
    reservation_id uuid        NOT NULL,
    topic          text        NOT NULL,
    kafka_partition integer    NOT NULL,
    kafka_offset   bigint      NOT NULL,
    applied_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX applied_events_event_id ON applied_events (event_id);
