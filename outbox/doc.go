// Package outbox is the engine-neutral half of the transactional outbox: the message a service
// enqueues inside its store transaction, and the Relay that copies committed messages to Kafka.
//
// A service never produces to Kafka from a handler. It writes its business rows and its
// outgoing events in one store transaction (an engine package such as outbox/postgres does
// the Enqueue), so either both happen or neither does. A Relay, one active per store, then
// publishes the committed rows and deletes them once the brokers have acknowledged them.
//
// Guarantees, and why they hold:
//
//   - Nothing committed is lost. A row is deleted only after Kafka acknowledged it; a crash
//     anywhere before the delete leaves the row in the store.
//   - Each row is on Kafka once, across a lost session and a failover. Every record carries
//     RowHeader (store, row id); after a step whose outcome it could not see (leading anew, a
//     failed delete or produce) the relay reads the tail of the partitions its oldest rows map
//     to and deletes, without publishing them again, the rows already there (resume.go). The
//     one gap: a deposed leader cut off by the network whose producer still holds a record it
//     sent can land it after its successor's check, however late (franz-go retries a record
//     sent without an answer past the delivery timeout). Config.Fence closes it: the relay
//     produces in transactions under the store's transactional id, a new leader's
//     InitProducerID fences the old producer before its check, and a read-committed reader
//     sees each row once (fence.go; off by default, since readers must read committed).
//     Consumers still deduplicate by the event id every event carries.
//   - Nothing is skipped. The relay never trusts a "published up to id N" watermark: ids come
//     from a sequence at insert time, not at commit time, so a slow transaction can commit a
//     row with a lower id after higher ids were published. While it works through a backlog
//     the relay fetches the next batch by id, but it fetches from the oldest remaining row
//     again every MaxAheadStreak batches, whenever it catches up, and as soon as the fetch by
//     id sees a row below its starting id that the relay does not hold (a row committed late),
//     and published rows are gone, so such a row is found, at most a few batches late, and
//     before any later row of its key: that row was written after it committed, so every
//     snapshot that sees it sees the late row too.
//   - Rows of one key are not reordered. Batches are produced in id order through the
//     idempotent producer (one partition per key, at most five requests in flight, sequence
//     numbers checked by the broker), and franz-go fails every later buffered record of a
//     partition when one fails, so a failed record is never overtaken: not by the rest of its
//     batch, nor by the next batch, which is buffered behind it while it is in flight (the
//     relay produces batch k+1 behind batch k only while k is younger than half the delivery
//     timeout, so none of k's records can time out before k+1's are behind them). Failed rows
//     stay in the table and the next fetch starts with them. The one window: a broker that
//     refuses a record outright (too large, corrupt, not authorized) answers within
//     milliseconds, and records of its partition buffered after that answer are not failed
//     with it; the relay then finds an acknowledged row after a failed row of the same key,
//     logs it as an error and counts it in novatrek_outbox_reordered_total. Writers that touch the same aggregate
//     serialize on its row, so id order is their commit order; two transactions that write
//     the same key without conflicting have no order between them other than the one they
//     commit in, which is the order the relay sees them.
//   - One relay publishes at a time. A Store grants leadership (a PostgreSQL session advisory
//     lock, a Couchbase lease document, an Oracle DBMS_LOCK); standbys retry every
//     Config.LeaseRetry and take over when the leader's session ends; the new leader's resume
//     check skips what the old one published but could not delete.
//   - Kafka and the store work at once, and the brokers always have the next batch. While a
//     backlog lasts, two batches are in flight: batch k+1 is produced behind batch k, then
//     while the brokers work on k+1 the store deletes k's acknowledged rows and fetches k+2 in
//     one round trip (when the engine can: outbox/postgres does; otherwise one batch is in
//     flight at a time). On a real broker a produce round trip costs about what the store's
//     does, so waiting for each batch's acknowledgement before producing the next left the
//     broker idle half the time (see the README's "Beside the peers").
//   - Bytes are encoded when enqueued (Confluent wire format, schema id included), so the
//     relay is a pipe that never touches a schema registry and never fails on a schema.
package outbox
