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
// Where a service's settings put its data in a second store, that store has the spec's own
// policy: Couchbase (svc-loyalty-rewards) a daily cbbackupmgr backup merged past its
// retention (couchbase.go, couchbase_merge.go), Oracle (svc-analytics) an RMAN incremental
// backup with a 90-day recovery window (rman.go). The schema still holds the inbox and
// offsets, so it is dumped before the second store is backed up, and restored with a
// backup of the second store no older than the dump (LatestAtOrBefore): the events between
// are applied again and find their effects there.
//
// svc-payments' store, on a cluster of its own, is also backed up physically, as its spec
// says: its WAL archived continuously (Archive: pg_receivewal through a replication slot),
// a verified base backup daily (BaseBackup), both kept 7 years, and RestoreToTime builds a
// data directory that recovers the cluster to a point in time (TestPointInTimeRecoveryDrill).
package backup
