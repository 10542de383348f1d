-- svc-notifications delivery stage: which members of a group notification ("group:<name>")
-- the provider already accepted, so a retry after a partial send skips them and every member
-- is told once. search_path is "notifications"; runs after the intake's "notifications" set.
CREATE TABLE delivery_members (
	notification_id     uuid        NOT NULL REFERENCES notifications (id),
	member              text        NOT NULL,
	provider_message_id text        NOT NULL,
	sent_at             timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (notification_id, member)
);

-- The sweeper: queued rows whose job may have been lost.
CREATE INDEX notifications_queued ON notifications (updated_at) WHERE status = 'queued';
