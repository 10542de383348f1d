-- svc-notifications' contact directory: how to reach a person known only by id (a guest of
-- payment.processed, ...). Filled from svc-guest-profiles' guest.registered; read by the
-- delivery stage's directory. One row per (recipient_type, recipient_id), the newest
-- event's details (updated_at is that event's occurred_at).
CREATE TABLE contacts (
	recipient_type text        NOT NULL,  -- RecipientType symbol: GUEST, GUIDE, ...
	recipient_id   text        NOT NULL,
	name           text        NOT NULL DEFAULT '',
	email          text        CHECK (char_length(email) <= 320),
	phone          text        CHECK (char_length(phone) <= 32),
	push_token     text        CHECK (char_length(push_token) <= 4096),  -- no source yet
	locale         text        NOT NULL DEFAULT 'en',
	updated_at     timestamptz NOT NULL,
	PRIMARY KEY (recipient_type, recipient_id)
);
