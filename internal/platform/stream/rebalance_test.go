package stream_test

import (
	"sync/atomic"
	"testing"

	"github.com/novatrek/support/internal/platform/stream"
	"github.com/novatrek/support/internal/platform/stream/streamtest"
)

// TestRebalance runs a group of three processors while events stream in, then stops one
// cleanly, crashes another right after a store commit, and adds a fourth: every event is
// applied exactly once, and the events of each key in order.
func TestRebalance(t *testing.T) {
	t.Parallel()
	r := newRig(t, 6)
	const (
		created = 600
		status  = 1200 // 24 status changes for each of the 50 reservations
		step    = status / 6
	)
	small := func(cfg *stream.Config) { cfg.MaxBatchRecords = 25 }
	a, _ := r.processor(r.pool, false, small)
	b, _ := r.processor(r.pool, true, small) // members may mix per-event and batch routes
	c, _ := r.processor(r.pool, false, small)
	var crash atomic.Bool
	stream.SetAfterCommit(c, func(string, int32, int64) bool { return crash.Load() })
	streamtest.Start(t, a)
	runB := streamtest.Start(t, b)
	runC := streamtest.Start(t, c)

	r.produceCreated(0, created)
	r.produceStatus(0, step)
	r.waitApplied(created / 3)

	// A clean stop mid-stream: b finishes its in-flight batches, commits and leaves.
	if err := runB.Stop(); err != nil {
		t.Fatalf("stop b: %v", err)
	}
	r.produceStatus(step, 2*step)
	r.waitApplied(created + step)

	// A crash mid-stream: c dies after its next store commit, without committing to Kafka.
	crash.Store(true)
	r.produceStatus(2*step, 3*step)
	<-runC.Done()

	// A new member joins while events keep coming.
	d, _ := r.processor(r.pool, false, small)
	streamtest.Start(t, d)
	r.produceStatus(3*step, status)

	r.waitApplied(created + status)
	streamtest.Eventually(t, "every partition's stored offset at the end", func() (bool, error) {
		return sumStored(r, "novatrek.booking.reservation.status-changed") == status, nil
	})
	r.checkExactlyOnce(created, status)
}
