-- Deletion by the owner or staff (DELETE /v1/media/{id}): the row stays as a tombstone,
-- state 'deleted' with who and when, so a repeated delete retries the removal of the
-- objects and a late complete or sweep (both move only pending items) cannot bring the item
-- back. Its objects (original and renditions) are removed from S3.
ALTER TABLE media_items DROP CONSTRAINT media_items_state_check;
ALTER TABLE media_items ADD CONSTRAINT media_items_state_check
    CHECK (state IN ('pending', 'ready', 'failed', 'expired', 'deleted'));
ALTER TABLE media_items ADD COLUMN deleted_at timestamptz, ADD COLUMN deleted_by text;
