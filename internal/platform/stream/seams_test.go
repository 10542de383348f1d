package stream_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/novatrek/support/internal/platform/event"
	"github.com/novatrek/support/internal/platform/stream"
	"github.com/novatrek/support/internal/platform/stream/streamtest"
	"github.com/novatrek/support/internal/platform/topology"
	"github.com/novatrek/support/internal/testkit/testproc"
	"github.com/novatrek/support/schemas"
)

// TestRouteWithMaxAttempts: a route's own budget of unclassified failures wins over the
// group's: with WithMaxAttempts(1) the failing event is dead-lettered after its one try (and
// the one try alone that isolates it), where the group's MaxAttempts would retry it 5 times.
func TestRouteWithMaxAttempts(t *testing.T) {
	t.Parallel()
	r := newRig(t, 1)
	const n, groupAttempts = 20, 5
	marked := r.gen.Created(7).Metadata.EventID
	f := &flaky{fails: map[string]int{marked: 1000}, err: func(int) error { return errors.New("something odd") }, calls: map[string]int{}}
	p, _ := r.processor(r.pool, false, func(cfg *stream.Config) {
		cfg.Routes = []stream.Route{stream.Handle(testproc.CreatedTopic, f.handle).WithMaxAttempts(1)}
		cfg.MaxAttempts = groupAttempts
	})
	r.produceCreated(0, n)
	streamtest.Start(t, p)
	r.waitApplied(n - 1)
	streamtest.Eventually(t, "dead letter", func() (bool, error) {
		return len(streamtest.ReadTopic(t, r.env, topology.DeadLetterTopic(testproc.Group))) == 1, nil
	})
	f.mu.Lock()
	calls := f.calls[marked]
	f.mu.Unlock()
	if calls >= groupAttempts {
		t.Errorf("failing event tried %d times: the route's budget of 1 was not used", calls)
	}
}

// TestWithMaxAttemptsRefusesLessThanOne: a budget below one names its topic.
func TestWithMaxAttemptsRefusesLessThanOne(t *testing.T) {
	t.Parallel()
	r := newRig(t, 1)
	_, err := stream.New(stream.Config{Group: testproc.Group, Brokers: r.env.Brokers, Pool: r.pool, Schema: r.schema,
		Serde: r.env.Serde, Routes: []stream.Route{stream.Handle(testproc.CreatedTopic, (&flaky{}).handle).WithMaxAttempts(0)}})
	if err == nil || !strings.Contains(err.Error(), `route for "`+testproc.CreatedTopic+`": WithMaxAttempts must be at least 1`) {
		t.Errorf("got %v", err)
	}
}

// TestInterceptRunsBeforeEachEvent: Config.Intercept sees every event with the lineage its
// per-event handler gets (caused by the event), and its error fails that event alone, for
// per-event and batch routes alike.
func TestInterceptRunsBeforeEachEvent(t *testing.T) {
	t.Parallel()
	for _, batch := range []bool{false, true} {
		t.Run(fmt.Sprintf("batch=%v", batch), func(t *testing.T) {
			t.Parallel()
			r := newRig(t, 1)
			const n = 30
			refused := r.gen.Created(12).Metadata.EventID
			var (
				mu      sync.Mutex
				seen    = map[string]bool{}
				lineage = map[string]event.Lineage{}
			)
			p, _ := r.processor(r.pool, batch, func(cfg *stream.Config) {
				cfg.Intercept = func(ctx context.Context, topic string, meta schemas.EventMetadata) error {
					mu.Lock()
					defer mu.Unlock()
					seen[meta.EventID] = topic == testproc.CreatedTopic
					if meta.EventID == refused {
						return stream.Permanent(errors.New("refused by the test"))
					}
					return nil
				}
				if !batch { // a per-event handler that records the lineage in its context
					cfg.Routes = []stream.Route{stream.Handle(testproc.CreatedTopic, func(ctx context.Context, tx pgx.Tx, ev stream.Event[schemas.ReservationCreated]) error {
						l, _ := event.From(ctx)
						mu.Lock()
						lineage[ev.Meta.EventID] = l
						mu.Unlock()
						return (&flaky{calls: map[string]int{}}).handle(ctx, tx, ev)
					})}
				}
			})
			r.produceCreated(0, n)
			streamtest.Start(t, p)
			r.waitApplied(n - 1)
			var dls []*kgoRecord
			streamtest.Eventually(t, "dead letter", func() (bool, error) {
				dls = streamtest.ReadTopic(t, r.env, topology.DeadLetterTopic(testproc.Group))
				return len(dls) == 1, nil
			})
			if msg, _ := streamtest.Header(dls[0], stream.HeaderError); !strings.Contains(msg, "refused by the test") {
				t.Errorf("dead letter reason %q", msg)
			}
			mu.Lock()
			defer mu.Unlock()
			for i := range n {
				m := r.gen.Created(i).Metadata
				if !seen[m.EventID] {
					t.Errorf("event %d not intercepted on its topic", i)
				}
				if l := lineage[m.EventID]; !batch && m.EventID != refused &&
					(l.Correlation != m.CorrelationID || l.Causation == nil || *l.Causation != m.EventID) {
					t.Errorf("event %d: handler context lineage %+v, want caused by %s in flow %s", i, l, m.EventID, m.CorrelationID)
				}
			}
		})
	}
}
