// Package streamtest is the shared contract suite of stream processors and the test
// plumbing it is built from.
//
// Every processor built on internal/platform/stream calls Run with a Subject describing itself; the
// suite proves, against real PostgreSQL, kfake and the registry, that:
//
//   - a duplicate event (same event id at a new offset) has one effect and one outbox row;
//   - a handler failure rolls back its outbox row: nothing reaches Kafka, the event is
//     dead-lettered;
//   - poison of every kind (garbage bytes, wrong magic byte, truncated Avro, unknown schema
//     id, schema mismatch, invalid metadata, handler permanent error) reaches the dead-letter
//     topic with its original key, value and headers plus the reason, and the partition
//     keeps flowing.
//
// The helpers (Start, CreateTopics, ReadTopic, Eventually, Proxy, ...) serve the runtime's
// own proof tests as well.
package streamtest
