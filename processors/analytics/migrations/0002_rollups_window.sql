-- Dashboards read one fact table's rollups by dimension, grain and a bucket range across
-- all keys (booking trends per trip for a month); the primary key puts dim_value and
-- metric before bucket, so without this index such a query reads every bucket of every key.
CREATE INDEX rollups_window ON rollups (fact, dim, grain, bucket);
