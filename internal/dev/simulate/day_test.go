package simulate

import (
	"context"
	"maps"
	"sync/atomic"
	"testing"
)

// countCalls answers every call with success and counts them.
type countCalls struct{ n atomic.Int64 }

func (c *countCalls) Call(context.Context, Call) error { c.n.Add(1); return nil }

// TestRunSendsExactlyThePlannedDays: Run with Days sends exactly the events Plan counted for
// the seed, topic by topic, and makes exactly its calls, one by one or through the pool; two
// days are twice the actions of one and about twice its events.
func TestRunSendsExactlyThePlannedDays(t *testing.T) {
	t.Parallel()
	const seed, days = "day", 0.2
	plan, err := Plan(seed, topo(t), days)
	if err != nil {
		t.Fatal(err)
	}
	if plan.Actions != DaysActions(days) || plan.Events < plan.Actions {
		t.Fatalf("plan of %v days: %d actions (want %d), %d events", days, plan.Actions, DaysActions(days), plan.Events)
	}
	for _, concurrency := range []int{0, 8} {
		evs, calls := &memSink{}, &countCalls{}
		st, err := Run(t.Context(), Config{Rate: 1e6, Days: days, Seed: seed, Sink: evs, Calls: calls, Concurrency: concurrency})
		if err != nil {
			t.Fatal(err)
		}
		if st.Events != plan.Events || !maps.Equal(st.ByTopic, plan.ByTopic) {
			t.Errorf("concurrency %d: sent %d events %v; plan %d %v", concurrency, st.Events, st.ByTopic, plan.Events, plan.ByTopic)
		}
		if int(calls.n.Load()) != plan.Calls || st.Calls != plan.Calls {
			t.Errorf("concurrency %d: %d calls made (%d counted ok); plan %d", concurrency, calls.n.Load(), st.Calls, plan.Calls)
		}
	}
	one, err := Plan(seed, topo(t), 1)
	if err != nil {
		t.Fatal(err)
	}
	two, err := Plan(seed, topo(t), 2)
	if err != nil {
		t.Fatal(err)
	}
	if one.Actions != DayActions || two.Actions != 2*DayActions {
		t.Errorf("actions: one day %d, two days %d; want %d, %d", one.Actions, two.Actions, DayActions, 2*DayActions)
	}
	if r := float64(two.Events) / float64(one.Events); r < 1.9 || r > 2.1 {
		t.Errorf("two days are %d events, one day %d: ratio %.2f, want about 2", two.Events, one.Events, r)
	}
	if _, err := Plan(seed, topo(t), 0); err == nil {
		t.Error("Plan of 0 days accepted")
	}
}
