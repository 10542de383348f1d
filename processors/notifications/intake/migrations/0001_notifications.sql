-- svc-notifications: the spec's notifications and delivery_log tables, written by the intake
-- stage and read by the delivery stage. search_path is "notifications"; runs after the
-- "templates" set (template_version_id references templates).

-- One notification = one message to one recipient on one channel. The row is the source of
-- truth; the Valkey queue only carries its id.
CREATE TABLE notifications (
	id                  uuid        PRIMARY KEY,  -- uuid v5 of (source event, recipient, channel)
	source_event_id     uuid        NOT NULL,     -- the consumed event or request's event id
	source_topic        text        NOT NULL,
	request_id          uuid,                     -- NotificationRequested.request_id, if any
	kind                text        NOT NULL,     -- NotificationKind symbol
	-- Recipient: "GUEST:<id>", "group:<name>" (expanded by delivery), "email:<addr>", "phone:<e164>".
	recipient           text        NOT NULL CHECK (char_length(recipient) <= 400),
	recipient_type      text        NOT NULL,
	recipient_id        text,
	-- Explicit address on the channel from a request; NULL means look it up by recipient_id.
	address             text        CHECK (char_length(address) <= 320),
	channel             text        NOT NULL CHECK (channel IN ('email', 'sms', 'push', 'in_app')),
	category            text        NOT NULL,
	locale              text        NOT NULL,
	template_name       text        NOT NULL,
	template_version_id bigint      REFERENCES templates (id),  -- NULL until rendered
	subject             text        NOT NULL DEFAULT '',
	body                text        NOT NULL DEFAULT '',
	html                text        NOT NULL DEFAULT '',
	priority            text        NOT NULL CHECK (priority IN ('emergency', 'routine')),
	status              text        NOT NULL CHECK (status IN
		('pending', 'deferred', 'queued', 'sent', 'delivered', 'failed', 'suppressed')),
	status_reason       text        NOT NULL DEFAULT '',
	defer_until         timestamptz,
	created_at          timestamptz NOT NULL DEFAULT now(),
	updated_at          timestamptz NOT NULL DEFAULT now(),
	UNIQUE (source_event_id, recipient, channel),
	CHECK (status <> 'deferred' OR defer_until IS NOT NULL)
);

-- The delivery stage's sweeper: work not yet handed to the queue, emergencies first.
CREATE INDEX notifications_due ON notifications (priority, coalesce(defer_until, created_at))
	WHERE status IN ('pending', 'deferred');
-- A recipient's history and in-app inbox.
CREATE INDEX notifications_recipient ON notifications (recipient_id, created_at DESC);

-- Every delivery attempt and provider callback, append-only.
CREATE TABLE delivery_log (
	id                  bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	notification_id     uuid        NOT NULL REFERENCES notifications (id),
	attempt             integer     NOT NULL CHECK (attempt > 0),
	provider            text        NOT NULL,
	status              text        NOT NULL,
	provider_message_id text,
	error_code          text,
	error               text,
	at                  timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX delivery_log_notification ON delivery_log (notification_id, id);
CREATE INDEX delivery_log_provider_message ON delivery_log (provider, provider_message_id)
	WHERE provider_message_id IS NOT NULL;

-- One row per handled event, append-only with no unique key on purpose: an event applied
-- twice would show twice (the contract suite counts it), and operators see what it produced.
CREATE TABLE intake_log (
	event_id      uuid        NOT NULL,
	topic         text        NOT NULL,
	notifications integer     NOT NULL,
	created       integer     NOT NULL,
	applied_at    timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX intake_log_event ON intake_log (event_id);
