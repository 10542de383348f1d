-- Let a committer that wakes the relay itself skip the NOTIFY. A transaction that notifies
-- takes a cluster-wide lock at commit and holds it through its WAL flush, so notifying
-- commits are flushed one after another instead of in groups: at 1,000 events/s on a loaded
-- 2-core machine that alone halved the commits PostgreSQL could take. The stream runtime
-- sets novatrek.outbox_quiet for its transaction when the relay leading this outbox runs in
-- its own process, and wakes that relay once the transaction commits (see
-- stream.Config.Outbox); every other writer (HTTP handlers, another instance, psql) still
-- notifies.
CREATE OR REPLACE FUNCTION outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF current_setting('novatrek.outbox_quiet', true) IS DISTINCT FROM 'on' THEN
		PERFORM pg_notify('outbox.' || TG_TABLE_SCHEMA, '');
	END IF;
	RETURN NULL;
END
$$;
