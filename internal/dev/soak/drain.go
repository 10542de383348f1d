package soak

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/novatrek/support/internal/platform/stream"
)

// quiet is how long nothing must be left to apply or publish before the services count as
// caught up: some keep working after the traffic ends (deliveries retried, their status
// events published), which a single look would miss.
const quiet = 10 * time.Second

// drain waits until every service has applied every record on its topics (its stored
// offsets, kept in its own store beside its effects, reach the end of each partition) and
// every outbox is empty, or Drain passes: what is left then shows in the invariants.
func (s *soak) drain(ctx context.Context) error {
	s.restartEnded(false)
	db, err := pgxpool.New(ctx, s.pg.url(database))
	if err != nil {
		return err
	}
	defer db.Close()
	cl, err := kgo.NewClient(s.kafkaOpts()...)
	if err != nil {
		return err
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)
	deadline := time.Now().Add(s.cfg.Drain)
	var quietSince time.Time
	for {
		behind, by, err := s.behind(ctx, db, adm)
		switch {
		case err != nil || behind > 0:
			quietSince = time.Time{}
		case quietSince.IsZero():
			quietSince = time.Now()
		case time.Since(quietSince) >= quiet:
			s.progress("caught up: nothing left to apply or publish for %v", quiet)
			s.report.CaughtUp = true
			return nil
		}
		if time.Now().After(deadline) {
			s.progress("not caught up after %v: %d records or outbox rows left %v (%v)", s.cfg.Drain, behind, by, err)
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Second):
		}
	}
}

// behind is the number of records the services have yet to apply plus the outbox rows
// waiting to be published, in all and by service.
func (s *soak) behind(ctx context.Context, db *pgxpool.Pool, adm *kadm.Client) (int64, map[string]int64, error) {
	var total int64
	by := map[string]int64{}
	for _, def := range s.cfg.Services {
		before := total
		d := def.Describe()
		if d.Store.Schema == "" {
			continue
		}
		if len(d.Produces) > 0 {
			var n int64
			if err := db.QueryRow(ctx, `SELECT count(*) FROM `+pgx.Identifier{d.Store.Schema, "outbox"}.Sanitize()).Scan(&n); err != nil {
				return -1, nil, err
			}
			total += n
		}
		if len(d.Consumes) == 0 {
			continue
		}
		ends, err := adm.ListEndOffsets(ctx, d.Consumes...)
		if err != nil {
			return -1, nil, err
		}
		stored, err := stream.StoredOffsets(ctx, db, d.Store.Schema, d.Name)
		if err != nil {
			return -1, nil, err
		}
		ends.Each(func(o kadm.ListedOffset) {
			if o.Err == nil && o.Offset > stored[o.Topic][o.Partition] {
				total += o.Offset - stored[o.Topic][o.Partition]
			}
		})
		if total > before {
			by[d.Name] = total - before
		}
	}
	return total, by, nil
}
