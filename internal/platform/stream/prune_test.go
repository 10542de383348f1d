package stream_test

import (
	"context"
	"testing"
	"time"

	"github.com/novatrek/support/internal/platform/stream"
	"github.com/novatrek/support/internal/platform/stream/streamtest"
	"github.com/novatrek/support/internal/testkit/testproc"
)

// TestInboxPrune: rows older than the retention go, recent ones (and other groups') stay.
func TestInboxPrune(t *testing.T) {
	t.Parallel()
	r := newRig(t, 1)
	ctx := context.Background()
	if _, err := r.pool.Exec(ctx, `INSERT INTO testproc.inbox (consumer_group, event_id, handled_at)
SELECT $1, gen_random_uuid(), now() - interval '8 days' FROM generate_series(1, 25000)
UNION ALL SELECT $1, gen_random_uuid(), now() - interval '1 hour' FROM generate_series(1, 10)
UNION ALL SELECT 'svc-other', gen_random_uuid(), now() - interval '30 days' FROM generate_series(1, 10)`, testproc.Group); err != nil {
		t.Fatal(err)
	}
	p, _ := r.processor(r.pool, false, func(cfg *stream.Config) {
		cfg.InboxRetention = 7 * 24 * time.Hour
		cfg.PruneInterval = 10 * time.Millisecond
	})
	streamtest.Start(t, p)
	streamtest.Eventually(t, "old inbox rows pruned", func() (bool, error) {
		return r.count(`SELECT count(*) FROM testproc.inbox WHERE consumer_group = $1`, testproc.Group) == 10, nil
	})
	if n := r.count(`SELECT count(*) FROM testproc.inbox WHERE consumer_group = 'svc-other'`); n != 10 {
		t.Errorf("another group's inbox rows were pruned: %d left of 10", n)
	}
}
