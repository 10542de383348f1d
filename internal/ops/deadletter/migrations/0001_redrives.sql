-- One row per dead letter sent back to its topic (search_path is the ops schema).
CREATE TABLE redrives (
    redrive_id        uuid        NOT NULL,
    consumer_group    text        NOT NULL,
    dlq_topic         text        NOT NULL,
    dlq_partition     integer     NOT NULL,
    dlq_offset        bigint      NOT NULL,
    source_topic      text        NOT NULL,
    source_partition  integer     NOT NULL,
    source_offset     bigint      NOT NULL,
    target_topic      text        NOT NULL,
    target_partition  integer     NOT NULL,
    -- NULL until the broker acknowledged the record.
    target_offset     bigint,
    -- NULL when the value did not decode.
    event_id          text,
    reason            text        NOT NULL,
    error_kind        text        NOT NULL,
    redriven_by       text        NOT NULL,
    redriven_at       timestamptz NOT NULL,
    note              text        NOT NULL DEFAULT '',
    -- pending: recorded, maybe sent (a crash leaves it so; it counts as sent);
    -- sent: acknowledged at target_offset; failed: not sent, error says why.
    status            text        NOT NULL CHECK (status IN ('pending', 'sent', 'failed')),
    error             text,
    PRIMARY KEY (redrive_id, dlq_topic, dlq_partition, dlq_offset)
);
CREATE INDEX redrives_dead_letter ON redrives (dlq_topic, dlq_partition, dlq_offset);
