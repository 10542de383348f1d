-- The ANALYTICS schema of svc-analytics (the domain spec's schema name), for the Oracle
-- Free service of compose.kafka.yml: the image runs this once, as SYS, when it creates
-- the database. The service connects as ANALYTICS
-- (ORACLE_DSN=analytics/novatrek-dev@127.0.0.1:1521/FREEPDB1) and creates its own
-- tables, materialized view logs and materialized views (processors/analytics/
-- migrations-oracle). A development password for a stack bound to loopback.
ALTER SESSION SET CONTAINER = FREEPDB1;

CREATE USER analytics IDENTIFIED BY "novatrek-dev" DEFAULT TABLESPACE users QUOTA UNLIMITED ON users;

GRANT CREATE SESSION, CREATE TABLE, CREATE VIEW, CREATE MATERIALIZED VIEW TO analytics;
