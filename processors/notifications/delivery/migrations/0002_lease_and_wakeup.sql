-- svc-notifications delivery stage: a worker leases a row (lease_owner, lease_until) in a short
-- transaction before the provider call and records the result in another, so no transaction
-- or connection is held across the call; a duplicate job meeting a live lease is Nacked, and
-- an expired lease (a worker that died mid-call) is taken over. search_path is "notifications".
ALTER TABLE notifications
	ADD COLUMN lease_owner uuid,
	ADD COLUMN lease_until timestamptz;

-- Wakes the dispatcher (LISTEN notifications_due) when rows are inserted, so an emergency
-- does not wait for the next poll. One notification per statement: a bulk insert of 10,000
-- rows wakes it once.
CREATE FUNCTION notify_notifications_due() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	PERFORM pg_notify('notifications_due', '');
	RETURN NULL;
END
$$;

CREATE TRIGGER notifications_due AFTER INSERT ON notifications
	FOR EACH STATEMENT EXECUTE FUNCTION notify_notifications_due();
