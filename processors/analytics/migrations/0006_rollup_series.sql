-- The dashboard and series reads as index-only scans.
--
-- rollups_series serves the reads of one key's series: a forecast's (one metric of one
-- trip, guide, location or all, in one currency, bucket after bucket) and a trip's or
-- guide's satisfaction (its metrics over a window). The primary key is ordered for the
-- dashboards (every key of a bucket range), so those reads walked every key's entries
-- of the range to keep one key's, then visited a heap page per bucket (219 pages for a
-- year's daily series of reservations in the bench; 12 index pages with this index).
--
-- The primary key, which the dashboards read, gets the values too, for the same reason
-- (and so that the planner, given a covering rollups_series, does not prefer it for a
-- dashboard: it would walk every key of the table instead of one bucket range). The
-- writer's ON CONFLICT names the same key columns, which a unique index with INCLUDE
-- still infers. Rebuilding the key locks rollups once, during this migration.
--
-- Both are index-only once vacuum has marked the heap all-visible (autovacuum does after
-- a rebuild's inserts; the bench runs VACUUM). Including the values the writer updates
-- costs it little: the rollup upserts are almost never heap-only (HOT) updates anyway
-- (the bench's: 378 of 10,156; the pages are full), so every update already adds an
-- entry to every index.
CREATE INDEX rollups_series ON rollups (fact, dim, dim_value, grain, metric, currency, bucket) INCLUDE (n, total);

ALTER TABLE rollups DROP CONSTRAINT rollups_pkey,
    ADD CONSTRAINT rollups_pkey PRIMARY KEY (fact, dim, grain, bucket, dim_value, metric, currency) INCLUDE (n, total);
