-- svc-notifications provider callbacks: the status of each member of a notification
-- (a group's members, a person's several push devices, or the single recipient), so that
-- one member's bounce or delivery is kept for that member and the row's status is derived
-- from all of them. search_path is "notifications"; runs after the delivery stage's set,
-- which creates delivery_members and inserts a row per served member (status NULL here).
--
-- status NULL means "as the delivery stage recorded it": accepted by the provider ('sent')
-- when provider_message_id is set, refused for good ('failed') when it is empty.
ALTER TABLE delivery_members
	ADD COLUMN status        text CHECK (status IN ('sent', 'delivered', 'failed')),
	ADD COLUMN status_reason text NOT NULL DEFAULT '',
	ADD COLUMN updated_at    timestamptz;

-- Callbacks that carry no ref of ours are matched by the provider's message id.
CREATE INDEX delivery_members_provider_message ON delivery_members (provider_message_id)
	WHERE provider_message_id <> '';
