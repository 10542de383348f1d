-- Where each event was applied: the topic, partition and offset of the copy whose id the
-- batch claimed. A rewind (stream.Rewind, `novatrek groups reset`) deletes the inbox rows
-- of the rewound partitions at offsets at or after the new offset, so exactly those events
-- are applied again while a duplicate of an event applied before the new offset is still
-- skipped. Rows written before this migration have no position (NULL): a rewind cannot
-- place them and keeps them, except a full rebuild, which clears the group's whole inbox.
--
-- No index on purpose: the columns are read only by a rewind (a rare operator action on a
-- stopped group, one scan of the inbox), while every batch writes them.
ALTER TABLE inbox
    ADD COLUMN topic       text,
    ADD COLUMN "partition" integer,
    ADD COLUMN "offset"    bigint;
