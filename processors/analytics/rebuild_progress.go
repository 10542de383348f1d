package analytics

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// HeaderRebuild is the response header every API answer carries while a rebuild by replay
// is under way: when it started and how many of the records it must replay are applied.
// Absent when the tables are complete.
const HeaderRebuild = "Analytics-Rebuild"

// progress is how far the latest unfinished rebuild got.
type progress struct {
	started         time.Time
	applied, target int64
}

func (p *progress) String() string {
	pct := 0.0
	if p.target > 0 {
		pct = 100 * float64(p.applied) / float64(p.target)
	}
	return fmt.Sprintf("rebuilding since %s; applied up to offset sum %d of %d (%.0f%%)", p.started.UTC().Format(time.RFC3339), p.applied, p.target, pct)
}

// trackRebuild is one round of the "rebuild progress" worker: it records the target of a
// new rebuild (the end offsets of the consumed partitions now), measures how far the
// stored offsets got, and marks the rebuild finished when they reach the target.
func (a *app) trackRebuild(ctx context.Context) error {
	var started time.Time
	var target []byte
	err := a.db.QueryRow(ctx, `SELECT started_at, target FROM analytics.rebuilds WHERE finished_at IS NULL
		ORDER BY started_at DESC LIMIT 1`).Scan(&started, &target)
	if errors.Is(err, pgx.ErrNoRows) {
		a.rebuilding.Store(nil)
		return nil
	}
	if err != nil {
		return fmt.Errorf("analytics: read rebuilds: %w", err)
	}
	if target == nil {
		if target, err = a.endOffsets(ctx); err != nil {
			return err
		}
		if _, err := a.db.Exec(ctx, `UPDATE analytics.rebuilds SET target = $2 WHERE started_at = $1`, started, target); err != nil {
			return fmt.Errorf("analytics: record the rebuild's target: %w", err)
		}
	}
	p := &progress{started: started}
	if err := a.db.QueryRow(ctx, `SELECT coalesce(sum(least(coalesce(o.next_offset, 0), t.value::bigint)), 0), coalesce(sum(t.value::bigint), 0)
		FROM jsonb_each_text($1::jsonb) t
		LEFT JOIN analytics.consumer_offsets o ON o.consumer_group = $2 AND o.topic || '/' || o.partition = t.key`,
		target, ServiceName).Scan(&p.applied, &p.target); err != nil {
		return fmt.Errorf("analytics: measure the rebuild: %w", err)
	}
	if p.applied >= p.target {
		t0 := time.Now()
		if err := pgx.BeginFunc(ctx, a.db, func(tx pgx.Tx) error { return a.finishRebuild(ctx, tx, started) }); err != nil {
			return err
		}
		a.log.Info("rebuild by replay finished", "started_at", started, "records", p.target, "rollups_computed_in", time.Since(t0).Round(time.Millisecond))
		a.rebuilding.Store(nil)
		return nil
	}
	a.rebuilding.Store(p)
	return nil
}

// finishRebuild ends the rebuild started at started, in tx: the store completes the
// rollups it deferred, and the rebuild (with any older one it superseded) is marked
// finished in the same transaction, so the API stops saying it is rebuilding exactly when
// the rollups are complete.
func (a *app) finishRebuild(ctx context.Context, tx pgx.Tx, started time.Time) error {
	if err := a.facts.CompleteRebuild(ctx, tx); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `UPDATE analytics.rebuilds SET finished_at = clock_timestamp()
		WHERE finished_at IS NULL AND started_at <= $1`, started); err != nil {
		return fmt.Errorf("analytics: finish the rebuild: %w", err)
	}
	return nil
}

// endOffsets are the end offsets of every partition the service consumes, as
// {"topic/partition": offset}.
func (a *app) endOffsets(ctx context.Context) ([]byte, error) {
	cl, err := kgo.NewClient(a.kafkaOpts...)
	if err != nil {
		return nil, fmt.Errorf("analytics: kafka client: %w", err)
	}
	defer cl.Close()
	topics := make([]string, len(subscriptions))
	for i, s := range subscriptions {
		topics[i] = s.Topic()
	}
	ends, err := kadm.NewClient(cl).ListEndOffsets(ctx, topics...)
	if err != nil {
		return nil, fmt.Errorf("analytics: list end offsets: %w", err)
	}
	out := map[string]int64{}
	var failed error
	ends.Each(func(o kadm.ListedOffset) {
		if o.Err != nil {
			failed = fmt.Errorf("analytics: end offset of %s/%d: %w", o.Topic, o.Partition, o.Err)
			return
		}
		out[fmt.Sprintf("%s/%d", o.Topic, o.Partition)] = o.Offset
	})
	if failed != nil {
		return nil, failed
	}
	return json.Marshal(out)
}

// reportRebuild wraps a handler so that its answer carries HeaderRebuild during a rebuild.
func reportRebuild(h func(*app, http.ResponseWriter, *http.Request) error) func(*app, http.ResponseWriter, *http.Request) error {
	return func(a *app, w http.ResponseWriter, r *http.Request) error {
		if p := a.rebuilding.Load(); p != nil {
			w.Header().Set(HeaderRebuild, p.String())
		}
		return h(a, w, r)
	}
}
