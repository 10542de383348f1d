package servicetest

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/novatrek/support/internal/platform/runner"
	"github.com/novatrek/support/internal/platform/serde"
	"github.com/novatrek/support/internal/platform/service"
	"github.com/novatrek/support/internal/platform/store"
	"github.com/novatrek/support/internal/platform/stream"
	"github.com/novatrek/support/internal/platform/stream/streamtest"
)

// Fixture is what the conformance suite needs to know about a service's input: the events
// it acts on and how to see their effect.
type Fixture struct {
	// Input is the subscribed topic the suite produces to.
	Input string
	// Seed writes the world valid events act on, after migrations and Store.Seed; nil: none.
	Seed func(ctx context.Context, db store.DB) error
	// Valid returns well-formed input event i; different i give different event ids (the
	// suite asks for i in 1..62).
	Valid func(i int) streamtest.Event
	// Failing returns an input event the handler rejects permanently after having emitted,
	// so the suite sees the rollback take the outbox row with it.
	Failing func(i int) streamtest.Event
	// Effects counts the event's effect in the store: 1 once applied, never more. Make a
	// double effect visible (an append-only row per event id), not hidden by a unique key.
	Effects func(ctx context.Context, db store.DB, eventID string) (int, error)
	// Silent says the subscription emits nothing itself (its effects are rows a worker acts
	// on later), so the suite expects no outbox message of its events; default false: each
	// valid event emits one at least.
	Silent bool
	// Options are Start's (WithTopology, WithEnv, WithClock) for binding the Spec.
	Options []Option
}

// Conformance runs the stream contract suite (streamtest.Run: Duplicate, Rollback, Poison,
// Panic, StoredOffsets; each case on its own database and cluster, in parallel) on spec's
// subscriptions, bound the way the runner binds them: migrations composed from the Spec,
// Store.Seed, New with an Env whose Emit writes to the service's outbox. A service runs it
// with one line: servicetest.Conformance(t, Spec, fixture).
func Conformance[S any](t *testing.T, spec *service.Spec[S], f Fixture) {
	t.Helper()
	d := spec.Describe()
	if !slices.Contains(d.Consumes, f.Input) {
		t.Fatalf("servicetest: Conformance: %s does not subscribe to Fixture.Input %q (it consumes %v)", spec.Name, f.Input, d.Consumes)
	}
	o := collect(f.Options)
	outputs := d.Produces
	if f.Silent {
		outputs = nil
	}
	streamtest.Run(t, streamtest.Subject{
		Group: spec.Name, Schema: d.Store.Schema, Input: f.Input, Valid: f.Valid, Failing: f.Failing, Outputs: outputs,
		// The runner gives a service an outbox only when it produces something.
		NoOutbox: len(d.Produces) == 0,
		Migrate: func(ctx context.Context, pool *pgxpool.Pool, _ string) error {
			if err := runner.Migrate(ctx, pool, streamtest.Logger(t, slog.LevelWarn), spec); err != nil {
				return err
			}
			for _, seed := range []func(context.Context, store.DB) error{spec.Store.Seed, f.Seed} {
				if seed == nil {
					continue
				}
				if err := seed(ctx, pool); err != nil {
					return fmt.Errorf("seed: %w", err)
				}
			}
			return nil
		},
		Bind: func(ctx context.Context, pool *pgxpool.Pool, _ string, enc *serde.Serde) ([]stream.Route, error) {
			h := o.host(t, spec.Valkey)
			h.Metrics, h.Serde = prometheus.NewRegistry(), enc
			env, err := runner.NewEnv(h, d, pool)
			if err != nil {
				return nil, err
			}
			bound, err := spec.Bind(ctx, env)
			if err != nil {
				return nil, err
			}
			return bound.Routes, nil
		},
		Effects: func(ctx context.Context, pool *pgxpool.Pool, _, eventID string) (int, error) {
			return f.Effects(ctx, pool, eventID)
		},
	})
}
