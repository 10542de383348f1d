-- The six fact tables of the domain spec. Every row is one measurement an event implies, at
-- the event's own time (occurred_at), keyed by the event id and its position among the
-- event's rows (seq): the primary key is what makes a duplicate, replayed or re-delivered
-- event count once even if it got past the stream inbox.
--
-- The six share one shape on purpose: a metric name, the dimensions dashboards slice by
-- (trip, guide, location, guest, reservation, a reference to the source entity, a category
-- such as a severity or a status), a currency when the value is money, and the value. One
-- shape means one write path, one rollup rule and one checksum for all of them; which event
-- fills which table with which metric is the mapping in the Go code (README: "Facts").
--
-- Range partitions by calendar month (UTC) of occurred_at. There is deliberately no
-- DEFAULT partition: a row whose month has no partition fails loudly instead of vanishing
-- into a catch-all that retention would never drop; ensure_months creates the months, ahead
-- of time (a worker) and on demand (the writer, in the batch's transaction).
DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['booking_metrics', 'revenue_metrics', 'utilization_metrics',
                             'satisfaction_scores', 'safety_metrics', 'guide_performance'] LOOP
        EXECUTE format($f$
            CREATE TABLE %I (
                event_id       uuid        NOT NULL,
                seq            smallint    NOT NULL,
                occurred_at    timestamptz NOT NULL,
                metric         text        NOT NULL,
                trip_id        text,
                guide_id       text,
                location_id    text,
                guest_id       text,
                reservation_id text,
                reference_id   text,
                category       text,
                currency       char(3),
                value          numeric     NOT NULL,
                PRIMARY KEY (occurred_at, event_id, seq)
            ) PARTITION BY RANGE (occurred_at)$f$, t);
    END LOOP;
END $$;

-- Per-guest satisfaction reads a guest's rows; per-reservation revenue joins payments to
-- the trip their reservation booked.
CREATE INDEX satisfaction_scores_guest ON satisfaction_scores (guest_id, occurred_at) WHERE guest_id IS NOT NULL;
CREATE INDEX booking_metrics_reservation ON booking_metrics (reservation_id) WHERE metric = 'reservations';

-- fact_tables lists the six, for the functions below and the Go code's checks.
CREATE FUNCTION fact_tables() RETURNS text[] LANGUAGE sql IMMUTABLE AS $$
    SELECT ARRAY['booking_metrics', 'revenue_metrics', 'utilization_metrics',
                 'satisfaction_scores', 'safety_metrics', 'guide_performance']
$$;

-- ensure_months creates the monthly partition of every fact table for each month given
-- (any day of the month; UTC), skipping those that exist, and returns how many it created.
-- The to_regclass test first keeps the usual call, all months present, free of DDL locks.
-- Creators serialize on an advisory lock; one that still finds the table created by another
-- (whose commit its catalog cache has not seen yet) skips it: duplicate_table is caught.
CREATE FUNCTION ensure_months(months date[]) RETURNS integer LANGUAGE plpgsql
SET search_path FROM CURRENT AS $$
DECLARE
    m       date;
    t       text;
    part    text;
    created integer := 0;
BEGIN
    FOREACH m IN ARRAY months LOOP
        m := date_trunc('month', m)::date;
        FOREACH t IN ARRAY fact_tables() LOOP
            part := t || '_' || to_char(m, 'YYYYMM');
            IF to_regclass(part) IS NULL THEN
                PERFORM pg_advisory_xact_lock(hashtext('analytics.ensure_months'));
                BEGIN
                    -- CREATE ... PARTITION OF would lock the parent ACCESS EXCLUSIVE, against
                    -- every reader and writer (and in another table order than a report
                    -- joining two fact tables: a deadlock). ATTACH takes SHARE UPDATE
                    -- EXCLUSIVE, which reads and inserts do not conflict with.
                    EXECUTE format('CREATE TABLE %I (LIKE %I INCLUDING DEFAULTS INCLUDING CONSTRAINTS)', part, t);
                    EXECUTE format('ALTER TABLE %I ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)',
                        t, part, m::text || ' 00:00:00+00', (m + interval '1 month')::date::text || ' 00:00:00+00');
                    created := created + 1;
                EXCEPTION WHEN duplicate_table THEN
                    NULL; -- created and attached by another transaction meanwhile
                END;
            END IF;
        END LOOP;
    END LOOP;
    RETURN created;
END $$;

-- rollups are the live dashboards: count and total per fact table, metric, day and month,
-- overall and per trip, guide and location, per currency ('' when the value is not money).
-- The writer adds each batch's new facts to them in the batch's transaction (the way a
-- fast-refresh materialized view is kept), so a dashboard is as current as the facts;
-- refresh_rollups recomputes them from the facts (Rollups.Refresh) and a property test
-- shows both agree.
CREATE TABLE rollups (
    fact      text    NOT NULL,
    dim       text    NOT NULL CHECK (dim IN ('all', 'trip', 'guide', 'location')),
    dim_value text    NOT NULL,
    grain     text    NOT NULL CHECK (grain IN ('day', 'month')),
    metric    text    NOT NULL,
    bucket    date    NOT NULL,
    currency  text    NOT NULL,
    n         bigint  NOT NULL,
    total     numeric NOT NULL,
    -- Ordered for the dashboards: one table's buckets in a range, for all keys or one.
    PRIMARY KEY (fact, dim, grain, bucket, dim_value, metric, currency)
);
