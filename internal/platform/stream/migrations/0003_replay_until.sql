-- replay_until: how far the partition had been applied before the latest rewind that moved
-- it back (stream.Rewind keeps the highest such offset). The runtime marks records below it
-- Event.Replay, so a handler can leave out, on a replay, side effects that must not happen
-- twice (a notification to a guest, a call to a provider) while it rebuilds its tables.
-- NULL: never rewound.
ALTER TABLE consumer_offsets ADD COLUMN replay_until bigint;
