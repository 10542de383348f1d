-- svc-notifications: the spec's channel_preferences table, one row per recipient.
-- search_path is "notifications". No row means the defaults: everything allowed, no quiet hours.
CREATE TABLE channel_preferences (
	recipient_id         text        PRIMARY KEY,
	time_zone            text        NOT NULL,           -- IANA name, validated by the service
	-- Quiet hours as minutes after local midnight; both NULL when the recipient has none.
	-- start > end means the window wraps midnight (22:00-07:00).
	quiet_start_minute   smallint    CHECK (quiet_start_minute BETWEEN 0 AND 1439),
	quiet_end_minute     smallint    CHECK (quiet_end_minute BETWEEN 0 AND 1439),
	opted_out_channels   text[]      NOT NULL DEFAULT '{}',
	opted_out_categories text[]      NOT NULL DEFAULT '{}',
	updated_at           timestamptz NOT NULL DEFAULT now(),
	CHECK ((quiet_start_minute IS NULL) = (quiet_end_minute IS NULL)),
	CHECK (quiet_start_minute IS DISTINCT FROM quiet_end_minute OR quiet_start_minute IS NULL)
);
