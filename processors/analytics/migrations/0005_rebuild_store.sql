-- store_emptied_at: when the fact store outside PostgreSQL (ANALYTICS_STORE=oracle) was
-- emptied for the rebuild. Spec.Rebuild truncates the PostgreSQL tables in the reset's
-- transaction but cannot reach Oracle; the service does it on its next start, before it
-- consumes, and records it here so that a restart during the replay does not empty it again.
ALTER TABLE rebuilds ADD COLUMN store_emptied_at timestamptz;
