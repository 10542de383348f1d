-- The transactional outbox of one service schema (search_path is that schema).
-- Rows are inserted by Enqueue inside the service's transactions and deleted by the relay
-- once Kafka acknowledged them, so the table stays small: it is a queue, not a log.
CREATE TABLE outbox (
	id         bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY, -- publish order
	topic      text        NOT NULL CHECK (topic <> ''),
	key        bytea,                                                -- NULL: unkeyed record
	value      bytea,                                                -- NULL: tombstone
	headers    bytea,                                                -- NULL: none; see headers.go
	created_at timestamptz NOT NULL DEFAULT now()                    -- enqueuing transaction's start
);

-- A queue table churns: vacuum it after a fixed number of dead rows rather than a fraction of
-- a table that is usually near empty, so the head of the primary key stays cheap to scan.
ALTER TABLE outbox SET (
	autovacuum_vacuum_scale_factor = 0,
	autovacuum_vacuum_threshold = 5000,
	autovacuum_vacuum_insert_scale_factor = 0,
	autovacuum_vacuum_insert_threshold = 5000
);

-- Wake the relay when rows commit. NOTIFY is delivered at commit and dropped on rollback, and
-- PostgreSQL folds identical notifications of one transaction into one, so a statement-level
-- trigger costs one small message per transaction whatever the number of rows, and any
-- writer (Enqueue, a migration, psql) wakes the relay. The channel is "outbox.<schema>".
CREATE FUNCTION outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	PERFORM pg_notify('outbox.' || TG_TABLE_SCHEMA, '');
	RETURN NULL;
END
$$;

CREATE TRIGGER outbox_notify AFTER INSERT ON outbox
	FOR EACH STATEMENT EXECUTE FUNCTION outbox_notify();
