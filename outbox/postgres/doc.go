// Package pgoutbox is the PostgreSQL outbox: the table (Migrations), Enqueue inside the
// caller's pgx transaction, and the outbox.Store the relay reads through.
//
// One table per service schema. Enqueue inserts every message of a call in one statement
// (unnest of arrays: one round trip for many rows); a statement trigger sends NOTIFY on the
// channel "outbox.<schema>", which PostgreSQL delivers at commit and drops on rollback.
// A transaction begun with QuietBegin skips it: notifying commits are serialised by a
// cluster-wide lock held through the WAL flush, so the stream runtime, when the leading relay
// runs in its own process, wakes that relay itself after committing instead
// (stream.Config.Outbox, outbox.Relay.Wake).
//
// The relay's leadership is a session advisory lock keyed by the schema, held by a dedicated
// connection that also LISTENs on the channel and runs every fetch and delete. Using one
// connection for all three fences a deposed leader: once its session is gone (connection
// closed, backend terminated, server restarted) the lock is free for a standby and the old
// leader can no longer read or delete rows. Standbys retry the lock every
// outbox.Config.LeaseRetry. The connection asks the server for TCP keepalives (10s idle, 5s
// interval, 3 probes), so the lock of a leader cut off by the network is freed in about 25s
// instead of the kernel's two hours. The relay therefore needs a session-mode connection
// (direct, or PgBouncer in session mode): advisory locks and LISTEN do not survive
// transaction pooling. Enqueue works through any pool.
package pgoutbox
