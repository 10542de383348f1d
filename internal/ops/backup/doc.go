// Package backup dumps a service's PostgreSQL schema with pg_dump and restores it with
// pg_restore, keeping as many days of dumps as the domain spec's backup policy gives the
// service's store (`novatrek backup` and `novatrek restore`).
//
// A service keeps everything it needs to resume in its own schema: its tables, its inbox and
// stored consumer offsets (the stream runtime's), its outbox and its schema_migrations. So a
// dump of that one schema, restored, is a service that resumes from the offsets stored at
// the time of the dump: it re-applies the events Kafka kept since, and its outbox publishes
// their results again under the ids derived from the same causes, which downstream inboxes
// skip. The drill test in cmd/novatrek proves it end to end.
//
// svc-payments' store, on a cluster of its own, is also backed up physically, as its spec
// says: its WAL archived continuously (Archive: pg_receivewal through a replication slot),
// a verified base backup daily (BaseBackup), both kept 7 years, and RestoreToTime builds a
// data directory that recovers the cluster to a point in time (TestPointInTimeRecoveryDrill).
package backup
