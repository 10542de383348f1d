-- The six fact tables of the domain spec in Oracle Database (schema ANALYTICS, set as the
-- session's CURRENT_SCHEMA by the store), with the shape of migrations/0001_facts.sql:
-- event_id and seq identify a row, occurred_at is the event's own time (UTC, a TIMESTAMP
-- without time zone: an interval partition key cannot carry one), then the metric, its
-- dimensions, the currency when the value is money, and the value.
--
-- Partitioning: INTERVAL partitioning by calendar month of occurred_at, so Oracle creates
-- a month's partition when its first row arrives (a late event lands in its own month; no
-- catch-all partition exists). The one range partition below the interval is a floor
-- before 2000 that no admitted fact reaches (retention refuses older events); Oracle
-- cannot drop the last partition of the range section, so it stays, empty. The primary key
-- (occurred_at first) is a LOCAL index, dropped with its partition by retention.
--
-- Rollups: per table two materialized views, by day and by month, of count and sum per
-- metric, currency, trip, guide and location, REFRESH FAST ON COMMIT over a materialized
-- view log: Oracle applies exactly the rows a transaction inserted to the views when it
-- commits, in that transaction, and a duplicate that the MERGE did not insert never
-- reaches the log. Overall and per-dimension dashboards sum these rows at query time.
BEGIN
    FOR t IN (SELECT column_value AS name FROM TABLE(sys.odcivarchar2list(
                  'BOOKING_METRICS', 'REVENUE_METRICS', 'UTILIZATION_METRICS',
                  'SATISFACTION_SCORES', 'SAFETY_METRICS', 'GUIDE_PERFORMANCE'))) LOOP
        EXECUTE IMMEDIATE 'CREATE TABLE ' || t.name || ' (
            event_id       VARCHAR2(36)  NOT NULL,
            seq            NUMBER(5)     NOT NULL,
            occurred_at    TIMESTAMP(6)  NOT NULL,
            metric         VARCHAR2(200) NOT NULL,
            trip_id        VARCHAR2(200),
            guide_id       VARCHAR2(200),
            location_id    VARCHAR2(200),
            guest_id       VARCHAR2(200),
            reservation_id VARCHAR2(200),
            reference_id   VARCHAR2(200),
            category       VARCHAR2(200),
            currency       CHAR(3),
            value          NUMBER        NOT NULL,
            CONSTRAINT ' || t.name || '_PK PRIMARY KEY (occurred_at, event_id, seq) USING INDEX LOCAL
        )
        PARTITION BY RANGE (occurred_at) INTERVAL (NUMTOYMINTERVAL(1, ''MONTH''))
        (PARTITION floor_2000 VALUES LESS THAN (TIMESTAMP ''2000-01-01 00:00:00''))';

        EXECUTE IMMEDIATE 'CREATE MATERIALIZED VIEW LOG ON ' || t.name || '
            WITH ROWID, SEQUENCE (occurred_at, metric, currency, trip_id, guide_id, location_id, value)
            INCLUDING NEW VALUES';

        FOR g IN (SELECT 'DAY' AS grain, 'DD' AS fmt FROM dual UNION ALL SELECT 'MONTH', 'MM' FROM dual) LOOP
            EXECUTE IMMEDIATE 'CREATE MATERIALIZED VIEW ' || t.name || '_' || g.grain || '
                BUILD IMMEDIATE REFRESH FAST ON COMMIT AS
                SELECT TRUNC(occurred_at, ''' || g.fmt || ''') AS bucket, metric, currency,
                       trip_id, guide_id, location_id,
                       COUNT(*) AS n, COUNT(value) AS n_value, SUM(value) AS total
                FROM ' || t.name || '
                GROUP BY TRUNC(occurred_at, ''' || g.fmt || '''), metric, currency, trip_id, guide_id, location_id';
            EXECUTE IMMEDIATE 'CREATE INDEX ' || t.name || '_' || g.grain || '_B ON '
                || t.name || '_' || g.grain || ' (bucket, metric)';
        END LOOP;
    END LOOP;
END;
/
-- A guest's satisfaction reads the guest's facts (guests have no rollup).
CREATE INDEX satisfaction_scores_guest ON satisfaction_scores (guest_id, occurred_at) LOCAL
/
