package loyalty

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/novatrek/support/internal/platform/service"
	"github.com/novatrek/support/internal/platform/store"
	"github.com/novatrek/support/internal/platform/stream"
	"github.com/novatrek/support/outbox"
	cboutbox "github.com/novatrek/support/outbox/couchbase"
)

// cbOutboxCollection is the outbox collection of scope loyalty.
const cbOutboxCollection = "outbox"

// openStore moves the app onto Couchbase when LOYALTY_STORE says so (useCouchbase), then
// reads the tier ladder from the store.
func (a *app) openStore(ctx context.Context, env service.Env) error {
	err := a.useCouchbase(ctx, env)
	if err == nil {
		a.ladder, err = a.ledger.Ladder(ctx, env.DB)
	}
	return err
}

// useCouchbase moves the app onto Couchbase when LOYALTY_STORE=couchbase: the ledger
// (cbPort) and the events (an Emitter on the outbox collection, built as the kit builds
// the PostgreSQL one) go to scope loyalty; PostgreSQL keeps the runtime's inbox, offsets
// and idempotency keys. With postgres it does nothing.
func (a *app) useCouchbase(ctx context.Context, env service.Env) error {
	if a.cfg.Store != "couchbase" {
		return nil
	}
	s, err := openCouchbase(ctx, a.cfg.StoreConfig)
	if err != nil {
		return err
	}
	ob, err := cboutbox.New(s.scope, cbOutboxCollection)
	if err == nil {
		err = ob.Prepare(ctx)
	}
	if err == nil {
		a.emit, err = outbox.NewEmitter(outbox.EmitterConfig[store.Execer]{Producer: env.Name, Topics: produced,
			Topology: env.Topology, Encoder: env.Serde, Outbox: cbEnqueuer{ob}, Now: env.Now})
	}
	if err == nil {
		a.cbRelay, err = outbox.NewRelay(outbox.Config{Store: ob, ClientOpts: env.KafkaOpts, Logger: env.Logger, Metrics: env.Metrics})
	}
	if err != nil {
		_ = s.Close()
		return fmt.Errorf("loyalty: the Couchbase outbox: %w", err)
	}
	s.committed = ob.Committed
	a.ledger = cbPort{s}
	env.Logger.Info("loyalty: the ledger and the outbox are in Couchbase", "url", a.cfg.URL, "bucket", a.cfg.Bucket, "scope", cbScope)
	return nil
}

// inStore runs fn, with LOYALTY_STORE=couchbase inside a Couchbase transaction carried by
// fn's context (attempted again from the start when it conflicts). It is called inside
// the PostgreSQL transaction of the runtime, so the Couchbase one commits first: a crash
// between the two commits redelivers the batch (or lets the client retry), and the
// handlers find what the first run booked (an entry's key is its cause; an earning is
// looked up by reservation) and book nothing twice.
func (a *app) inStore(ctx context.Context, fn func(context.Context) error) error {
	p, ok := a.ledger.(cbPort)
	if !ok {
		return fn(ctx)
	}
	return p.s.inTx(func(tx *cbTx) error { return fn(withCBTx(ctx, tx)) })
}

// transact runs fn in a PostgreSQL transaction and, inside it, inStore's.
func (a *app) transact(ctx context.Context, fn func(context.Context, pgx.Tx) error) error {
	return pgx.BeginFunc(ctx, a.db, func(tx pgx.Tx) error {
		return a.inStore(ctx, func(ctx context.Context) error { return fn(ctx, tx) })
	})
}

// inStoreBatch is a batch handler run by inStore: the Spec's subscriptions go through it.
func inStoreBatch[T any](h func(*app, context.Context, pgx.Tx, []stream.Event[T]) error) func(*app, context.Context, pgx.Tx, []stream.Event[T]) error {
	return func(a *app, ctx context.Context, tx pgx.Tx, evs []stream.Event[T]) error {
		return a.inStore(ctx, func(ctx context.Context) error { return h(a, ctx, tx, evs) })
	}
}

// relayCouchbaseOutbox is the "couchbase outbox relay" worker: the kit's outbox.Relay on
// the outbox collection (one leader by lease, order per key, a document deleted once the
// brokers acknowledged it). With the postgres store, whose relay the runtime runs, it
// waits for the shutdown.
func (a *app) relayCouchbaseOutbox(ctx context.Context) error {
	if a.cbRelay == nil {
		<-ctx.Done()
		return nil
	}
	return a.cbRelay.Run(ctx)
}
