-- What each stored offset was stored for: the Kafka cluster id and the topic's id (the
-- topic UUID Kafka assigns when the topic is created). A new broker, a wiped dev data dir or
-- a deleted and recreated topic all give the partition a new log whose offsets mean
-- something else; on assignment the runtime compares these with the cluster's and refuses
-- the partition instead of seeking into the middle of an unrelated log (see adjustOffsets).
-- NULL: stored before this migration (or by a rewind that named no log); the runtime adopts
-- the current ids when the offset lies inside the partition's log and refuses otherwise.
--
-- refused: why the runtime refused to consume the partition on its latest assignment (one
-- line for operators, shown by `novatrek groups describe`), NULL when it consumes it. A
-- reset (stream.Rewind, `novatrek groups reset --execute`) clears it.
ALTER TABLE consumer_offsets
    ADD COLUMN cluster_id text,
    ADD COLUMN topic_id   uuid,
    ADD COLUMN refused    text;
