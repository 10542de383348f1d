// Package testproc is the test processor: a small but real stream processor that shows,
// and lets tests prove, every contract of the stream runtime (internal/platform/stream) and the
// outbox on real PostgreSQL and Kafka.
//
// It consumes reservation events (novatrek.booking.reservation.created and
// .status-changed), projects them into the reservations table of its own schema, and for
// each one enqueues, through the transactional outbox, a notification request (booking
// confirmation or status update) on novatrek.support.notification.requested — the command
// the reservations domain really sends.
//
// Double effects are made visible rather than prevented: every applied event appends a row
// to applied_events (no unique key on purpose) and bumps the reservation's applied_events
// counter, so a runtime that applied an event twice would show two rows. Order per key is
// checked by the projection itself: a status change older than one already applied to the
// same reservation counts in out_of_order.
//
// Replays (`novatrek groups reset`) are shown too: Rebuild empties the projection for a
// full replay (service.Spec.Rebuild), and an event marked Event.Replay is projected again
// without asking for its notification a second time.
//
// Producer generates well-formed events with stable event ids and keys, so tests and
// benchmarks can produce the same stream twice.
package testproc
