// Package deadletter reads a consumer group's dead-letter topic
// (novatrek.support.dlq.<group>, written by internal/platform/stream) and re-drives chosen dead
// letters to the topics they came from, recording every re-drive in PostgreSQL.
//
// # Reading
//
// Read takes a snapshot of the topic's end offsets and reads every partition up to them, so
// a listing is a consistent picture and never waits for new records. Each record becomes a
// Letter: the dlq.* headers the runtime added (the last occurrence of each wins, as the
// runtime documents) and, when the value decodes through the registry, the event id from
// its metadata. A Filter narrows the letters by reason, kind, source topic, time, event id
// and dead-letter position.
//
// # Re-driving
//
// A re-drive produces a dead letter's key, value and headers (the original headers and the
// dlq.* headers that say why it failed, kept as its history) to its source topic and source
// partition, plus the HeaderRedrive* headers naming the re-drive. The producer is idempotent
// and waits for every acknowledgement.
//
// Every re-drive is recorded in the table redrives of its own schema (DefaultSchema,
// novatrek_ops) before anything is sent: the rows are inserted as pending, under a lock
// on the group, then marked sent with the target offset or failed with the error. A dead
// letter with a pending or sent row is skipped by later re-drives unless Again is set,
// so running the same re-drive twice sends each record once; a crash between the send and
// the update leaves the row pending, which counts as sent (at most once, never silently
// twice).
//
// The stream runtime does not put dead-lettered event ids in its inbox, so a re-driven
// event is applied when its handler now succeeds. If it fails again, the runtime writes a
// new dead letter at a new dead-letter offset, carrying the dlq.redrive.* headers of the
// earlier re-drive; that is a new dead letter, not yet re-driven, and can itself be
// re-driven once the cause is fixed. The old one stays recorded as re-driven.
package deadletter
