package main

import (
	"context"
	"fmt"
	"io"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/novatrek/support/internal/ops/lag"
	"github.com/novatrek/support/internal/platform/config"
	"github.com/novatrek/support/internal/platform/service"
	"github.com/novatrek/support/internal/platform/stream"
)

// refusals reads, for `groups describe`, the partitions one of our services refuses to
// consume (stream.Refusals): Kafka's offsets cannot show them, the service's store can.
type refusals struct {
	svc  *service.Description // nil: not one of our services, nothing to read
	pool *pgxpool.Pool
	err  error // why the store could not be reached; said once per observation
}

// refusalReader connects to databaseURL when svc is one of our services. A failure is kept
// and reported with each observation rather than failing the command: the Kafka view is
// still worth showing.
func refusalReader(ctx context.Context, databaseURL string, svc *service.Description) *refusals {
	r := &refusals{svc: svc}
	if svc == nil {
		return r
	}
	r.pool, r.err = service.ConnectPostgres(ctx, databaseURL)
	if r.err != nil {
		r.err = fmt.Errorf("%w (database %s)", r.err, config.Redact(databaseURL))
	}
	return r
}

// mark sets g's refused partitions to STALL with their reason, or writes to warn why it
// could not look.
func (r *refusals) mark(ctx context.Context, g *lag.Group, warn io.Writer) {
	if r.svc == nil {
		return
	}
	err := r.err
	if err == nil {
		var refused []stream.Refusal
		refused, err = stream.Refusals(ctx, r.pool, r.svc.Store.Schema, g.Group)
		for _, ref := range refused {
			g.MarkRefused(ref.Topic, ref.Partition, ref.Reason)
		}
	}
	if err != nil {
		fmt.Fprintf(warn, "Note: refused partitions of %s not checked: %v\n", g.Group, err)
	}
}

func (r *refusals) close() {
	if r.pool != nil {
		r.pool.Close()
	}
}
