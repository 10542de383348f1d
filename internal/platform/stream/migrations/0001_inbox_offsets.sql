-- Stream runtime tables, created in the service's own schema (search_path is set by
-- internal/migrate, so names are unqualified).

-- inbox: one row per event a consumer group has applied. The batch transaction inserts the
-- batch's event ids with ON CONFLICT DO NOTHING; only the ids it returns are handled, so a
-- duplicate (same event id at another offset, or a redelivery) changes nothing.
CREATE TABLE inbox (
    consumer_group text        NOT NULL,
    event_id       uuid        NOT NULL,
    handled_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer_group, event_id)
);

-- Rows are appended in handled_at order, so a BRIN index serves the retention prune for a
-- fraction of a btree's write cost.
CREATE INDEX inbox_handled_at ON inbox USING brin (handled_at);

-- consumer_offsets: the next offset to handle per partition, written in the same
-- transaction as the batch's effects. On assignment the runtime resumes from here, not from
-- Kafka's committed offsets (which it also commits, after this, for lag tooling).
CREATE TABLE consumer_offsets (
    consumer_group text        NOT NULL,
    topic          text        NOT NULL,
    partition      integer     NOT NULL,
    next_offset    bigint      NOT NULL,
    updated_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer_group, topic, partition)
);
