package streamtest

import (
	"context"

	"github.com/hamba/avro/v2"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/novatrek/support/internal/platform/serde"
	"github.com/novatrek/support/internal/platform/stream"
)

// Subject describes a processor to the contract suite.
type Subject struct {
	// Group is the processor's consumer group id (its service name).
	Group string
	// Schema is the PostgreSQL schema the suite migrates and runs the processor on.
	Schema string
	// Migrate creates everything the processor needs in schema: stream.Migrations, the
	// outbox's and its own.
	Migrate func(ctx context.Context, pool *pgxpool.Pool, schema string) error
	// Routes returns the processor's routes writing to schema and encoding its outputs
	// with enc.
	Routes func(schema string, enc *serde.Serde) ([]stream.Route, error)
	// Bind, instead of Routes, also gets the harness's migrated database: for processors
	// whose state is built on a pool (a service Spec's New, see servicetest.Conformance).
	Bind func(ctx context.Context, pool *pgxpool.Pool, schema string, enc *serde.Serde) ([]stream.Route, error)
	// Input is the topic the suite produces to; one of the routes' topics.
	Input string
	// Valid returns well-formed input event i; different i give different event ids. The
	// suite asks for i in 1..62.
	Valid func(i int) Event
	// Failing returns a well-formed input event its handler rejects permanently after
	// having enqueued an outbox message (e.g. a later write breaks a CHECK constraint), so
	// the suite can see the rollback take the message with it.
	Failing func(i int) Event
	// Effects counts how many times the event's effect is in the store: 1 once applied,
	// never more for a correct runtime. Make double effects visible (e.g. an append-only
	// log of applied event ids) rather than hidden by a unique key.
	Effects func(ctx context.Context, pool *pgxpool.Pool, schema, eventID string) (int, error)
	// NoOutbox says the processor has no outbox table (a service that produces nothing, such
	// as a pure projection): the suite runs no relay and counts no outbox rows, since
	// nothing can be enqueued. Default false: the schema has an outbox.
	NoOutbox bool
	// Outputs are the topics the processor's outbox publishes to. When set, the suite
	// expects each Valid event to enqueue at least one message.
	Outputs []string
}

// Event is an input event: a value of a generated type and the key to produce it under.
type Event struct {
	Key     string
	EventID string
	Schema  avro.Schema
	Value   any
}

// routes are the subject's routes on pool: Bind's when set, else Routes'.
func (s Subject) routes(ctx context.Context, pool *pgxpool.Pool, enc *serde.Serde) ([]stream.Route, error) {
	if s.Bind != nil {
		return s.Bind(ctx, pool, s.Schema, enc)
	}
	return s.Routes(s.Schema, enc)
}
