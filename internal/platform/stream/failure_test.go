package stream_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/novatrek/support/internal/platform/stream"
	"github.com/novatrek/support/internal/platform/stream/streamtest"
	"github.com/novatrek/support/internal/platform/topology"
	"github.com/novatrek/support/internal/testkit/testproc"
	"github.com/novatrek/support/schemas"
)

// TestBisect puts failing events among good ones in one batch: the batch handler fails for
// the whole batch, the runtime splits it until each bad event stands alone, commits every
// good one and dead-letters the bad ones.
func TestBisect(t *testing.T) {
	t.Parallel()
	for _, batch := range []bool{true, false} {
		t.Run(fmt.Sprintf("batch=%v", batch), func(t *testing.T) {
			t.Parallel()
			r := newRig(t, 1)
			const n = 200
			bad := map[int]bool{0: true, 57: true, 58: true, 133: true, 199: true}
			var recs []*kgoRecord
			for i := range n {
				ev := r.gen.Created(i)
				if bad[i] {
					ev.PartySize = -1
				}
				recs = append(recs, encodeRecord(t, r, ev))
			}
			produceAll(t, r, recs)

			// Start after producing, so the records arrive in one fetch and batch.
			p, reg := r.processor(r.pool, batch, nil)
			streamtest.Start(t, p)
			r.waitApplied(n - len(bad))
			var dls []*kgoRecord
			streamtest.Eventually(t, "dead letters", func() (bool, error) {
				dls = streamtest.ReadTopic(t, r.env, topology.DeadLetterTopic(testproc.Group))
				return len(dls) >= len(bad), nil
			})
			if len(dls) != len(bad) {
				t.Fatalf("%d dead letters, want %d", len(dls), len(bad))
			}
			for _, dl := range dls {
				off, _ := streamtest.Header(dl, stream.HeaderSourceOffset)
				var i int
				fmt.Sscan(off, &i)
				if !bad[i] {
					t.Errorf("good record at offset %d was dead-lettered", i)
				}
				if k, _ := streamtest.Header(dl, stream.HeaderErrorKind); k != string(stream.KindPermanent) {
					t.Errorf("dead letter kind %q, want permanent", k)
				}
			}
			if got := r.applied(); got != n-len(bad) {
				t.Errorf("%d effects, want %d", got, n-len(bad))
			}
			if dups := r.count(`SELECT count(*) FROM (SELECT event_id FROM testproc.applied_events GROUP BY 1 HAVING count(*) > 1) d`); dups != 0 {
				t.Errorf("%d events applied twice", dups)
			}
			// The dead letter is acknowledged before the offset moves past it (so a crash
			// repeats it rather than losing it): when the last record is bad, its offset is
			// stored just after its dead letter appears.
			streamtest.Eventually(t, "stored offset past the last record", func() (bool, error) {
				return r.stored()[testproc.CreatedTopic][0] == n, nil
			})
			if got := metric(t, reg, "novatrek_stream_dead_letters_total", map[string]string{"kind": "permanent"}); got != float64(len(bad)) {
				t.Errorf("dead_letters_total{kind=permanent} = %v, want %d", got, len(bad))
			}
		})
	}
}

// flaky is a handler over created events that fails the way a test asks before it writes.
type flaky struct {
	mu    sync.Mutex
	fails map[string]int // event id -> failures left
	err   func(attempt int) error
	calls map[string]int
}

func (f *flaky) handle(ctx context.Context, tx pgx.Tx, ev stream.Event[schemas.ReservationCreated]) error {
	f.mu.Lock()
	f.calls[ev.Meta.EventID]++
	attempt := f.calls[ev.Meta.EventID]
	left := f.fails[ev.Meta.EventID]
	if left > 0 {
		f.fails[ev.Meta.EventID] = left - 1
	}
	f.mu.Unlock()
	if left > 0 {
		return f.err(attempt)
	}
	_, err := tx.Exec(ctx, `INSERT INTO testproc.applied_events (event_id, reservation_id, topic, kafka_partition, kafka_offset) VALUES ($1, $2, $3, $4, $5)`,
		ev.Meta.EventID, ev.Value.ReservationID, ev.Topic, ev.Partition, ev.Offset)
	return err
}

func TestRetries(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name       string
		err        func(attempt int) error
		failures   int  // how often the marked event fails
		deadLetter bool // whether it ends in the dead-letter topic
		kind       string
	}{
		// Transient errors are retried as long as they last.
		{"TransientHeals", func(int) error { return stream.Transient(errors.New("provider answered 503")) }, 12, false, "transient"},
		{"SerializationFailureHeals", func(int) error { return pgconnError("40001") }, 8, false, "transient"},
		// Unclassified errors get MaxAttempts (3 here) tries, then count as permanent.
		{"UnclassifiedHeals", func(int) error { return errors.New("something odd") }, 2, false, "unclassified"},
		{"UnclassifiedExhausted", func(int) error { return errors.New("something odd") }, 1000, true, "unclassified"},
		{"Permanent", func(int) error { return stream.Permanent(errors.New("trip does not exist")) }, 1000, true, "permanent"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			r := newRig(t, 1)
			const n = 30
			marked := r.gen.Created(10).Metadata.EventID
			f := &flaky{fails: map[string]int{marked: c.failures}, err: c.err, calls: map[string]int{}}
			p, reg := r.processor(r.pool, false, func(cfg *stream.Config) {
				cfg.Routes = []stream.Route{stream.Handle(testproc.CreatedTopic, f.handle)}
				cfg.MaxAttempts = 3
				cfg.MaxBackoff = 5 * cfg.MinBackoff
			})
			r.produceCreated(0, n)
			streamtest.Start(t, p)
			want := n
			if c.deadLetter {
				want--
			}
			r.waitApplied(want)
			streamtest.Eventually(t, "stored offset at the end", func() (bool, error) {
				return r.stored()[testproc.CreatedTopic][0] == n, nil
			})
			if got := r.applied(); got != want {
				t.Errorf("%d effects, want %d", got, want)
			}
			dls := streamtest.ReadTopic(t, r.env, topology.DeadLetterTopic(testproc.Group))
			if c.deadLetter != (len(dls) == 1) || len(dls) > 1 {
				t.Fatalf("%d dead letters, want dead-lettered=%v", len(dls), c.deadLetter)
			}
			if got := metric(t, reg, "novatrek_stream_failures_total", map[string]string{"kind": c.kind}); got == 0 {
				t.Errorf("no failure of kind %s counted", c.kind)
			}
			f.mu.Lock()
			calls := f.calls[marked]
			f.mu.Unlock()
			switch {
			case c.name == "UnclassifiedExhausted" && calls < 3:
				t.Errorf("handler called %d times for the failing event, want at least MaxAttempts", calls)
			case !c.deadLetter && calls != c.failures+1:
				t.Errorf("handler called %d times for the failing event, want %d", calls, c.failures+1)
			}
		})
	}
}
