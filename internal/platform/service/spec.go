package service

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/novatrek/support/internal/platform/migrate"
	"github.com/novatrek/support/internal/platform/store"
)

// Spec declares one service: what it owns, consumes, produces and serves. S is the state New
// builds; handlers, workers and checks are its methods, bound at start by method expressions
// ((*app).handleDeposit). The runner (internal/platform/runner) does everything else: pool,
// migrations, stream processor, outbox relay, HTTP mount, metrics and shutdown. *Spec[S]
// implements Definition.
type Spec[S any] struct {
	// Name is the service's name in topics.yaml: its consumer group, its producer name, its
	// dead-letter topic novatrek.support.dlq.<Name> and the label service=<Name>.
	Name string
	// Store is the PostgreSQL schema the service owns; zero: none.
	Store Store
	// Valkey says the service uses VALKEY_URL (Env.Valkey; /readyz probes it).
	Valkey bool
	// New builds the state once per start, after migrations and Store.Seed.
	New func(ctx context.Context, env Env) (S, error)
	// Subscriptions bind topics to handlers of S; they must equal topics.yaml's consumers
	// of Name (the runner's Check).
	Subscriptions []Subscription[S]
	// Consume is the batch and retry policy of the subscriptions.
	Consume ConsumePolicy
	// Produces are the topics Env.Emit may publish to; topics.yaml must list Name as their
	// producer.
	Produces []string
	// API is served behind the HTTP edge; zero: only /healthz, /readyz and /metrics.
	API API[S]
	// Clients are the outbound HTTP clients the service calls (Env.Client).
	Clients []Client
	// Settings are variables whose dev value a fake provides (a staff directory file).
	Settings []Setting
	// Workers run beside the consumer and the relay; the first failure stops the service.
	Workers []Worker[S]
	// Checks are readiness probes beyond PostgreSQL, Kafka and Valkey (the runner adds those).
	Checks []ReadinessCheck[S]
	// Rebuild empties the derived tables for `groups reset --to-earliest --rebuild`, in that
	// command's transaction (service stopped; TRUNCATE is the usual way), before the group's
	// inbox is cleared and its stored offsets move to the earliest retained ones, so the next
	// run re-applies every retained event onto empty tables. Nil: not rebuildable.
	//
	// Declare it only when every table it clears is a projection of consumed events:
	// re-applying events onto a projection that still holds their effects double-counts what
	// is not idempotent (counters, appended rows), which is why a full replay needs Rebuild;
	// rows the service received another way (API writes, provider callbacks) would be lost.
	// The outbox is not cleared: messages not yet relayed must still go out, and the replay
	// enqueues its output events again with ids derived from their cause events, so
	// downstream inboxes skip them (see the stream package's Replays section).
	Rebuild func(ctx context.Context, tx pgx.Tx) error
}

// Store is the PostgreSQL schema a service owns and how to prepare it.
type Store struct {
	// Schema is the schema name, e.g. "payments".
	Schema string
	// Migrations are the service's own sets in any order, each naming its After; the
	// runner adds the platform sets the Spec uses (stream, outbox, idempotency) and
	// migrate.Compose orders them all.
	Migrations []migrate.Set
	// MaxConns sizes the service's own pool; default 16, at least 2.
	MaxConns int32
	// MaxConnsEnv names the variable overriding MaxConns, e.g. "PAYMENTS_DB_MAX_CONNS".
	MaxConnsEnv string
	// Seed runs after migrations on every start; it must be idempotent.
	Seed func(ctx context.Context, db store.DB) error
}

// Worker is a long-running loop of S (see package worker for the usual skeletons).
type Worker[S any] struct {
	Name string
	Run  func(s S, ctx context.Context) error
}

// ReadinessCheck is a readiness probe of S; nil means ready. (ReadyCheck is the probe once
// bound to the state.)
type ReadinessCheck[S any] struct {
	Name  string
	Probe func(s S, ctx context.Context) error
}
