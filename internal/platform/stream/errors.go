package stream

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/novatrek/support/internal/platform/serde"
	dbstore "github.com/novatrek/support/internal/platform/store"
)

// Kind says why a record failed. It is the value of the HeaderErrorKind header on a dead
// letter and the "kind" label of the failure metrics.
type Kind string

// Failure kinds. The first six are poison: the record goes to the dead-letter topic. The
// last two are retried.
const (
	// KindMalformed: the value is not in the Confluent wire format (garbage bytes, wrong
	// magic byte, truncated Avro).
	KindMalformed Kind = "malformed"
	// KindUnknownSchema: the writer schema id is not in the registry.
	KindUnknownSchema Kind = "unknown-schema"
	// KindIncompatible: the writer schema cannot be resolved to the route's reader schema.
	KindIncompatible Kind = "incompatible"
	// KindInvalid: the value decoded but fails validation, e.g. its metadata has no valid
	// event id, so it cannot be deduplicated.
	KindInvalid Kind = "invalid"
	// KindPermanent: the handler said the event can never succeed (Permanent, an SQLSTATE
	// class 22 data or 23 integrity error, or an unclassified error that used up its
	// attempts).
	KindPermanent Kind = "permanent"
	// KindPanic: the handler panicked on the event. The panic is recovered and logged with
	// its stack; it is retried like KindUnclassified (Config.MaxAttempts), and when it
	// repeats the event is dead-lettered with this kind.
	KindPanic Kind = "panic"
	// KindTransient: a failure expected to heal by waiting (store or registry down, timeout,
	// serialization failure); retried forever with backoff.
	KindTransient Kind = "transient"
	// KindUnclassified: a handler error the runtime cannot classify; retried up to
	// Config.MaxAttempts times, then handled as KindPermanent.
	KindUnclassified Kind = "unclassified"
)

// poison reports whether records failing with k go to the dead-letter topic.
func (k Kind) poison() bool {
	switch k {
	case KindMalformed, KindUnknownSchema, KindIncompatible, KindInvalid, KindPermanent, KindPanic:
		return true
	}
	return false
}

type permanentError struct{ err error }

func (e permanentError) Error() string { return e.err.Error() }
func (e permanentError) Unwrap() error { return e.err }

type transientError struct{ err error }

func (e transientError) Error() string { return e.err.Error() }
func (e transientError) Unwrap() error { return e.err }

// Permanent marks err as a failure that retrying cannot fix (the event breaks a business
// rule, refers to something that can never exist, ...). The runtime isolates the event and
// sends it to the dead-letter topic; the rest of its batch commits. Permanent(nil) is nil.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return permanentError{err}
}

// Transient marks err as a failure that waiting can fix (a provider answered 5xx, a lock is
// busy). The runtime rolls the batch back and retries it with backoff, forever: the
// partition waits, nothing is skipped. Transient(nil) is nil.
func Transient(err error) error {
	if err == nil {
		return nil
	}
	return transientError{err}
}

// classify maps an error to a kind. A recovered panic is KindPanic; then explicit marks win; then serde's poison sentinels; then
// PostgreSQL SQLSTATE classes; then network and timeout shapes. Everything else is
// KindUnclassified.
//
// SQLSTATE classes 42 (syntax error or access rule violation, e.g. an undefined column) and
// 3F (invalid schema name) count as transient: they mean the code and the store disagree — a
// deploy or migration problem that no record causes — so dead-lettering every record until
// someone notices would be worse than stopping the partition, which lag alerts make visible
// and a fixed deploy resumes.
func classify(err error) Kind {
	var perm permanentError
	var trans transientError
	var pan *panicError
	switch {
	case err == nil:
		return ""
	case errors.As(err, &pan):
		return KindPanic
	case errors.As(err, &perm):
		return KindPermanent
	case errors.As(err, &trans):
		return KindTransient
	case errors.Is(err, serde.ErrMalformed):
		return KindMalformed
	case errors.Is(err, serde.ErrUnknownSchema):
		return KindUnknownSchema
	case errors.Is(err, serde.ErrIncompatible):
		return KindIncompatible
	case errors.Is(err, serde.ErrRegistry):
		return KindTransient
	}
	if dbstore.Unreachable(err) { // the store's outage classes (08, 53, 57, 58), a lost connection
		return KindTransient
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return classifySQLState(pgErr.Code)
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return KindTransient
	}
	return KindUnclassified
}

func classifySQLState(code string) Kind {
	switch code {
	case "40001", // serialization_failure
		"40P01", // deadlock_detected
		"55P03", // lock_not_available
		"55006": // object_in_use
		return KindTransient
	}
	if len(code) < 2 {
		return KindUnclassified
	}
	switch code[:2] {
	case "22", "23": // data exception, integrity constraint violation
		return KindPermanent
	case "42", // syntax error or access rule violation: code and store disagree
		"3F": // invalid schema name
		return KindTransient
	}
	return KindUnclassified
}
