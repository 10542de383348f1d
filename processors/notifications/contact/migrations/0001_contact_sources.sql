-- svc-notifications' contact sources beyond guest.registered (search_path "notifications").
--
-- contacts (created by the intake's migrations, filled from guest.registered) is now also
-- written through the API (PUT /v1/recipients/{recipient}/contact) by the domains that own
-- guides, park rangers, rescue teams, staff and partners; updated_by says who wrote the row
-- ("guest.registered" or the API caller). time_zone is the person's IANA zone.
ALTER TABLE contacts ADD COLUMN time_zone text CHECK (char_length(time_zone) <= 64);
ALTER TABLE contacts ADD COLUMN updated_by text NOT NULL DEFAULT 'guest.registered';
-- push_token never had a source; push goes to the devices below (one person, many devices).
ALTER TABLE contacts DROP COLUMN push_token;

-- FCM registration tokens, registered and removed by the apps' backend
-- (PUT/DELETE /v1/recipients/{recipient}/devices/{token}). A token identifies one app
-- install, so it belongs to one recipient at a time: registering it for another recipient
-- (a shared tablet, a new login) moves it. Tokens FCM answers UNREGISTERED for are deleted
-- by the delivery stage.
CREATE TABLE devices (
	token          text        PRIMARY KEY CHECK (char_length(token) BETWEEN 1 AND 4096),
	recipient_type text        NOT NULL,
	recipient_id   text        NOT NULL,
	platform       text        NOT NULL DEFAULT 'unknown' CHECK (platform IN ('android', 'ios', 'web', 'unknown')),
	registered_by  text        NOT NULL,
	created_at     timestamptz NOT NULL DEFAULT now(),
	updated_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX devices_recipient ON devices (recipient_type, recipient_id, updated_at DESC);
