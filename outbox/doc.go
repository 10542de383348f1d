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
//     anywhere before the delete leaves the row to be published again. Delivery is therefore
//     at least once: consumers deduplicate by the event id every event carries.
//   - Nothing is skipped. The relay never keeps a "published up to id N" watermark: ids come
//     from a sequence at insert time, not at commit time, so a slow transaction can commit a
//     row with a lower id after higher ids were published. Each fetch starts again from the
//     oldest remaining row, and published rows are gone, so such a row is simply found.
//   - Rows of one key are not reordered. A batch is produced in id order through the
//     idempotent producer (one partition per key, at most five requests in flight, sequence
//     numbers checked by the broker), and franz-go fails every later buffered record of a
//     partition when one fails, so a failed record is never overtaken. Failed rows stay in the
//     table and the next fetch starts with them. Writers that touch the same aggregate
//     serialize on its row, so id order is their commit order; two transactions that write
//     the same key without conflicting have no order between them other than the one they
//     commit in, which is the order the relay sees them.
//   - One relay publishes at a time. A Store grants leadership (a PostgreSQL session advisory
//     lock, a Couchbase lease document, an Oracle DBMS_LOCK); standbys retry every
//     Config.LeaseRetry and take over when the leader's session ends. During a failover the
//     old leader may finish producing a batch it fetched before it lost its session: those
//     rows are published twice, never lost, and the first copy of each keeps its order.
//   - Bytes are encoded when enqueued (Confluent wire format, schema id included), so the
//     relay is a pipe that never touches a schema registry and never fails on a schema.
package outbox
