// Package stream is the stream runtime every NovaTrek processor runs on: a Kafka consumer
// group (franz-go) whose partitions are applied, in order, in batches inside PostgreSQL
// transactions, with an inbox for exactly-once effects, a dead-letter topic for poison and
// retries for everything that can heal.
//
// A handler is plain Go: it receives the decoded event (reader schema: its generated Go
// type) and the batch's transaction, writes through the transaction and enqueues its
// output events through the outbox in the same transaction:
//
//	route := stream.Handle(topic, func(ctx context.Context, tx pgx.Tx, ev stream.Event[schemas.ReservationCreated]) error {
//		...
//	})
//
// A handler whose writes it does not read back (an outbox enqueue, an upsert) can queue them
// with Deferred: they go out in one pipeline, the last event's with the COMMIT and each
// other event's before the next event's handler, so a batch of N events whose handlers only
// queue writes costs N+1 round trips (two for one event; see "How a partition is applied").
//
// Projections use HandleBatch to write a whole batch in one statement. An append-shaped
// projection (one row per event) can use CopyBatch instead: the handler only turns an event
// into a row, and the runtime COPYs the batch's rows into the table in the batch's
// transaction — or, when the inbox knows an event of the batch or a key is taken, moves
// them through a staging table with INSERT … SELECT … ON CONFLICT (see CopyBatch).
//
// # How a partition is applied
//
// Each assigned partition has one worker goroutine (order per key, since a key maps to one
// partition; partitions never wait for each other). The poll loop only queues records on
// the workers and pauses a partition whose queue is full, so it never blocks and rebalances
// are never held up by a slow store. A worker takes up to Config.MaxBatchRecords records
// and, in one transaction:
//
//  1. moves the partition's row in consumer_offsets past the batch and inserts the batch's
//     event ids into the inbox, each with the topic, partition and offset it is applied
//     at (what a replay needs, see Replays), in one statement (INSERT ... SELECT
//     unnest(...)). The insert
//     is optimistic: when an id is already there it fails, and the batch is redone at once
//     with ON CONFLICT DO NOTHING RETURNING event_id, which says which ids are new. For a
//     handler route this statement travels in one pipeline with the BEGIN (pgx's
//     Batch.BeginTx), one round trip, and its answer is read before any handler runs;
//  2. calls the handler for the new ids — a duplicate (same event id at another offset,
//     e.g. from an outbox relay retry) is skipped; a CopyBatch route COPYs their rows;
//  3. commits (sending the statements handlers queued with Deferred in the same round trip;
//     those of an event that is not the batch's last go out before the next event's
//     handler), then marks the Kafka offset, which franz-go commits every second and on
//     revoke.
//
// On assignment the runtime resumes from consumer_offsets (franz-go's AdjustFetchOffsetsFn),
// not from Kafka's committed offset, so a crash between the store commit and the Kafka
// commit redelivers nothing; if the stored offsets were lost, the inbox still stops the
// redelivered events. Kafka's committed offsets exist for lag tooling (kadm.Lag, kcat).
//
// A stored offset is bound to its log (LogID: cluster id and topic id). One of another log
// (a new broker, a recreated topic) or beyond the high watermark is refused: the partition
// stays unconsumed, with an ERROR line, novatrek_stream_offset_mismatch and a row flag
// (Refusals), until Rewind binds it to the current log. One below the log start starts at
// the log start (novatrek_stream_offset_reset_total). See judge.
//
// # Failures
//
//   - Poison — bytes that are not Confluent Avro, an unknown schema id, a writer schema that
//     does not resolve to the reader's, metadata without a valid event id, a handler error
//     marked Permanent or an SQLSTATE class 22/23 error — goes to the dead-letter topic
//     (novatrek.support.dlq.<group>) with the original key, value and headers plus headers
//     saying where it came from, why and when (see the Header constants). The dead letter is
//     acknowledged before the offset moves past the record, so nothing is dropped; a crash
//     in between repeats it (at least once). The partition keeps flowing.
//   - Transient failures — connection refused or lost, timeouts, serialization failures and
//     deadlocks, the registry unreachable, errors marked Transient — roll the batch back and
//     retry it with capped exponential backoff and full jitter, forever: the partition
//     waits, nothing is skipped; logs, novatrek_stream_failures_total{kind="transient"} and
//     novatrek_stream_partition_retrying show it.
//   - Unclassified handler errors are retried Config.MaxAttempts times, then handled as
//     permanent: a bug that fails every event then fills the dead-letter topic instead of
//     stopping the service, but a flaky dependency that returns plain errors gets a few
//     chances first. Mark errors to choose.
//   - A handler panic is recovered per call: the transaction rolls back, the panic and its
//     stack are logged at ERROR and counted (novatrek_stream_panics_total), and the batch is
//     retried like an unclassified error. When it repeats, the event is isolated like a
//     permanent failure and dead-lettered with kind "panic". Other partitions, processors and
//     services in the process keep running.
//   - A permanent failure fails the whole transaction. The worker then splits the batch —
//     at the failing event when a per-event handler says which one, in halves for a batch
//     handler — and applies the parts in order in fresh transactions until the culprit
//     stands alone; it is dead-lettered, the good records commit.
//
// Dead-lettered event ids are deliberately not recorded in the inbox: redriving a dead
// letter to its topic after a fix must apply it, not skip it as a duplicate. The stored
// offset already keeps a redelivery of the same record from being dead-lettered twice.
//
// # Rebalances and shutdown
//
// franz-go's BlockRebalanceOnPoll keeps rebalance callbacks from running while polled
// records are being queued. On revoke, each revoked partition's worker finishes its
// in-flight transaction (or abandons it after Config.StopTimeout: it rolls back), then the
// marked offsets are committed and the rebalance proceeds. Lost partitions are abandoned at
// once. Canceling Run's context does the same for every partition, then leaves the group.
// A batch abandoned while its COMMIT is already on the wire is settled, not walked away
// from: PostgreSQL is asked to cancel the COMMIT and the worker waits for the answer, so
// when Run returns (or a revoke proceeds) no batch of it can still commit behind the
// stored offsets a restart or the next owner loads.
// Two members that both believe they own a partition (a zombie after a lost session)
// conflict on the partition's consumer_offsets row and on the batch's inbox ids, so one
// waits for the other's commit, and the inbox keeps the slower one from applying anything
// twice (GREATEST keeps its offset from moving back).
//
// # Speed
//
// A replay is bounded by the store: one transaction, one inbox statement and (with
// HandleBatch) one projection statement or (with CopyBatch) one COPY per batch; decoding reuses per-partition buffers;
// fetches are capped at 16 MiB and queues at 8 batches per partition, which bounds memory.
// Measured on the 2-core development machine, shared with other work (BenchmarkReplay,
// 1,000,000 events, 6 partitions, batches of 500, a pool of 4 connections): about 80,000
// events/s, half the raw batched insert rate of the same projection rows (about 160,000
// rows/s: the inbox doubles the rows written), at under 110 MiB peak RSS.
//
// # Replays
//
// Moving a group's Kafka committed offsets does nothing here: the stored offsets win on
// assignment, and the inbox would skip every event seen before anyway. A replay therefore
// goes through Rewind (`novatrek groups reset` calls it), on a stopped group, in one
// transaction: it sets the partitions' stored offsets and deletes the group's inbox rows
// of those partitions at offsets at or after the new ones. The next run applies exactly
// the events from the new offsets on, as they were applied live:
//
//   - an event first applied before the new offset keeps its inbox row, so a duplicate of
//     it later in the log (an outbox relay retry) is still skipped;
//   - an event first applied after it is applied again, at its first copy, and its
//     later duplicates are skipped again;
//   - moving forward only moves the offsets (there are no inbox rows past the stored
//     offset); the events in between are never applied.
//
// Inbox rows written before the inbox recorded positions have none; a rewind keeps them
// (their events stay skipped) and says how many, a full rebuild deletes them. The inbox
// was chosen over a replay epoch (a generation number in the inbox key, bumped by a
// reset) because the positions make a partial replay exact: an epoch forgets every
// event, so a duplicate whose first copy lies before the replay point would be applied.
//
// Re-applying suits effects that are idempotent under it (upserting the latest state);
// counters and appended rows count twice. A full rebuild therefore empties the service's
// derived tables first (service.Spec.Rebuild), clears the group's inbox (ClearInbox) and
// rewinds to the earliest offsets, all in one transaction; the rebuilt tables then equal
// the ones built live, from the events the topics still retain.
//
// The records a rewound partition had already passed reach handlers with Event.Replay
// set (consumer_offsets.replay_until remembers how far it had got). Output events are
// the thing to think about: a handler that enqueues them again on a replay re-emits
// them, and with ids derived from the cause event's id (as the test processor does) the
// downstream inboxes skip them — but only within their retention (7 days by default).
// Handlers whose outputs ask for something to happen to people or providers (a
// notification, a charge) should leave them out when Replay is set; projections of facts
// can ignore it.
//
// A partial rewind further back than InboxRetention can apply the second copy of a
// duplicate whose first copy lies before the rewind point, if that first copy's inbox row
// was pruned; a full rebuild cannot. Records dead-lettered the first time are tried again
// (they were never in the inbox) and, if still poison, dead-lettered again.
//
// # Inbox retention
//
// Inbox rows older than Config.InboxRetention (default 7 days) are pruned hourly, so the
// inbox does not grow without bound; a duplicate arriving later than that would be applied
// again. Relay retries arrive within seconds. Such a late duplicate cannot be told from an
// old event seen for the first time, but it can be seen to be unverifiable: a live event
// whose occurred_at is older than the retention is counted in
// novatrek_stream_beyond_inbox_horizon_total, and the first of each partition assignment
// is logged at WARN (see docs/guarantees.md).
package stream
