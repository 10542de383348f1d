-- svc-notifications: a recipient's preferences may leave the time zone unset (NULL), meaning
-- "the recipient's contact zone (contacts.time_zone), else UTC": quiet hours then follow the
-- zone the contact directory knows instead of silently running in UTC. Rows written before
-- this migration keep the zone they stored (UTC when the caller gave none: they cannot be told
-- apart from an explicit UTC, so they are left as they are).
ALTER TABLE channel_preferences ALTER COLUMN time_zone DROP NOT NULL;
