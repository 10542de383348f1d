-- rebuilds: one row per rebuild, inserted by Spec.Rebuild in the reset's transaction. The
-- service, on its next start, records the target (the end offset of every partition it
-- consumes: what the replay must reach) and marks the row finished once its stored offsets
-- reach it; until then every API answer says it is rebuilding and how far it got.
CREATE TABLE rebuilds (
    started_at  timestamptz PRIMARY KEY DEFAULT clock_timestamp(),
    target      jsonb,
    finished_at timestamptz
);
