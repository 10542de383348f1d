// Package peers measures the runtime beside what a team would pick instead, on the same data
// in the same run (issue 21): replay into PostgreSQL — our stream runtime, the loop a team
// writes by hand (franz-go poll, one pgx batch per poll, no inbox), a Watermill router
// (watermill-kafka subscriber in a consumer group, a pgx transaction per message) and raw
// COPY of the same rows; the outbox relay beside Watermill's SQL forwarder (watermill-sql
// into watermill-kafka) and a raw drain; lag export beside kafka_exporter-style polling.
// BenchmarkPeers prints one table with each figure's ratio to its group's baseline and to
// ours, naming the broker: kfake by default, or with NOVATREK_TEST_KAFKA=real and
// KAFKA_BROKERS every contender on that Apache Kafka broker (`make bench-peers-real`).
//
// It is a module of its own (bench/go.mod, replace github.com/novatrek/support => ../) so
// the product's go.mod never gains a peer's dependencies. Being under
// the root module's path, it imports the runtime's internal packages directly (Go's internal
// rule is by import path), so our figures come from the same stream.New a service runs.
package peers
