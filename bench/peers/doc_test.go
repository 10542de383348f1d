// Package peers measures the runtime beside what a team would pick instead, on the same data
// in the same run (issue 21): replay into PostgreSQL — our stream runtime, the loop a team
// writes by hand (franz-go poll, one pgx batch per poll, no inbox) and raw COPY of the same
// rows. BenchmarkPeers prints one table with each figure's ratio to raw COPY and to ours.
//
// A Watermill router (watermill-kafka v3.0.6's subscriber, a pgx transaction per message) is
// not in the table: its sarama 1.43 consumer group cannot consume from the in-process broker
// (every session ends in "kafka: error decoding packet: invalid byteslice length", at sarama
// protocol versions 1.0, 2.8 and 3.6), and the real broker of `make kafka-up` was not tried.
//
// It is a module of its own (bench/go.mod, replace github.com/novatrek/support => ../) so
// the product's go.mod never gains a peer's dependencies. Being under
// the root module's path, it imports the runtime's internal packages directly (Go's internal
// rule is by import path), so our figures come from the same stream.New a service runs.
package peers
