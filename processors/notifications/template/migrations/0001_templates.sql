-- svc-notifications: the spec's templates table, versioned per (name, channel, locale), and the
-- record of which version is current. search_path is "notifications".

-- Every published version, immutable once written: a notification keeps the id of the row it
-- rendered, so old notifications can always be re-rendered exactly as they were sent.
CREATE TABLE templates (
	id           bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	name         text        NOT NULL CHECK (name ~ '^[a-z0-9][a-z0-9_.-]{0,127}$'),
	channel      text        NOT NULL CHECK (channel IN ('email', 'sms', 'push', 'in_app')),
	locale       text        NOT NULL,
	version      integer     NOT NULL CHECK (version > 0),
	subject      text        NOT NULL DEFAULT '',
	body         text        NOT NULL,
	html         text        NOT NULL DEFAULT '',
	variables    text[]      NOT NULL,
	sample_data  jsonb       NOT NULL,
	published_by text        NOT NULL DEFAULT '',
	published_at timestamptz NOT NULL DEFAULT now(),
	UNIQUE (name, channel, locale, version)
);

-- Append-only history of activations (a publish or a rollback). The current version of a
-- template is the one named by its latest activation; rolling back adds a row, it never deletes.
CREATE TABLE template_activations (
	id           bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	name         text        NOT NULL,
	channel      text        NOT NULL,
	locale       text        NOT NULL,
	template_id  bigint      NOT NULL REFERENCES templates (id),
	action       text        NOT NULL CHECK (action IN ('publish', 'rollback')),
	activated_by text        NOT NULL DEFAULT '',
	activated_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX template_activations_current ON template_activations (name, channel, locale, id DESC);
