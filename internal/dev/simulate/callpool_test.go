package simulate

import (
	"context"
	"crypto/sha256"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// stampCalls records when each call began and ended on one clock shared with the events'
// sink, taking a pseudo-random 0–2 ms per call so the pool reorders what it may.
type stampCalls struct {
	clock    *atomic.Int64
	inFlight atomic.Int64
	maxIn    atomic.Int64
	mu       sync.Mutex
	made     []stamped
}

type stamped struct {
	call       Call
	begin, end int64
}

func (s *stampCalls) Call(_ context.Context, c Call) error {
	begin := s.clock.Add(1)
	n := s.inFlight.Add(1)
	for m := s.maxIn.Load(); n > m && !s.maxIn.CompareAndSwap(m, n); m = s.maxIn.Load() {
	}
	h := sha256.Sum256([]byte(c.Path + string(c.Body) + c.Token))
	time.Sleep(time.Duration(h[0]) * 8 * time.Microsecond)
	s.inFlight.Add(-1)
	end := s.clock.Add(1)
	s.mu.Lock()
	s.made = append(s.made, stamped{c, begin, end})
	s.mu.Unlock()
	return nil
}

// stampSink records when each event was sent on the same clock.
type stampSink struct {
	clock *atomic.Int64
	at    []int64
}

func (s *stampSink) Send(context.Context, Event) error {
	s.at = append(s.at, s.clock.Add(1))
	return nil
}
func (s *stampSink) Flush(context.Context) error { return nil }

// TestCallPoolKeepsTheWorkflowsOrder: with 16 calls at once, every generated call is made
// once, several at a time; the calls of a lane (one back office, one guest) begin in the
// generator's order, each after the one before it ended; a call naming a saved id begins
// after the call saving it ended; and a contact an event needs is written before the
// event is sent.
func TestCallPoolKeepsTheWorkflowsOrder(t *testing.T) {
	t.Parallel()
	const seed, events = "pool", 3000
	want := generate(t, seed, events)
	clock := &atomic.Int64{}
	calls, sink := &stampCalls{clock: clock}, &stampSink{clock: clock}
	st, err := Run(t.Context(), Config{Rate: 1e6, Duration: time.Duration(events) * time.Microsecond, Seed: seed,
		Sink: sink, Calls: calls, Concurrency: 16})
	if err != nil {
		t.Fatal(err)
	}
	if st.Events != events {
		t.Fatalf("sent %d events, want %d", st.Events, events)
	}
	g, err := NewGenerator(seed, topo(t))
	if err != nil {
		t.Fatal(err)
	}
	// The calls in the generator's order, with the event each comes with (-1: the setup)
	// and whether that event needs it first.
	type planned struct {
		call  Call
		event int
		first bool
	}
	var order []planned
	for _, c := range g.Setup() {
		order = append(order, planned{c, -1, false})
	}
	for i, ev := range want {
		for _, c := range ev.Before {
			order = append(order, planned{c, i, mustPrecede(c)})
		}
		for _, c := range ev.After {
			order = append(order, planned{c, i, false})
		}
	}
	if len(calls.made) != len(order) {
		t.Fatalf("%d calls made, want %d", len(calls.made), len(order))
	}
	if calls.maxIn.Load() < 2 {
		t.Errorf("at most %d call in flight: the pool made them one by one", calls.maxIn.Load())
	}
	// Match each planned call to the one made: identical calls are matched in order of
	// beginning; a location read's query holds Run's clock, so it is left out. The name a
	// call saves is part of it: a guest's two photo uploads are the same request saving two
	// names, made in either order, and matching them by beginning could pair each with the
	// other's completion.
	key := func(c Call) string {
		path, _, _ := strings.Cut(c.Path, "?")
		return c.Method + " " + path + " " + c.Token + " " + string(c.Body) + " " + c.IdempotencyKey + " " + c.Save
	}
	made := map[string][]stamped{}
	for _, m := range calls.made {
		made[key(m.call)] = append(made[key(m.call)], m)
	}
	for k := range made {
		ms := made[k]
		for i := 1; i < len(ms); i++ {
			for j := i; j > 0 && ms[j].begin < ms[j-1].begin; j-- {
				ms[j], ms[j-1] = ms[j-1], ms[j]
			}
		}
	}
	lastOfLane := map[string]stamped{}
	saver := map[string]stamped{}
	for i, p := range order {
		k := key(p.call)
		if len(made[k]) == 0 {
			t.Fatalf("call %d (%s %s) was not made", i, p.call.Method, p.call.Path)
		}
		m := made[k][0]
		made[k] = made[k][1:]
		if l := lane(p.call); l != "" {
			if prev, ok := lastOfLane[l]; ok && m.begin < prev.end {
				t.Fatalf("call %d (%s %s) began at %d before the one before it on lane %q ended (%d)", i, p.call.Method, p.call.Path, m.begin, l, prev.end)
			}
			lastOfLane[l] = m
		}
		for _, name := range usedNames(p.call) {
			if s, ok := saver[name]; ok && m.begin < s.end {
				t.Fatalf("call %d (%s %s) began at %d before the call saving %q ended (%d)", i, p.call.Method, p.call.Path, m.begin, name, s.end)
			}
		}
		if p.call.Save != "" {
			saver[p.call.Save] = m
		}
		if p.first && m.end > sink.at[p.event] {
			t.Fatalf("call %d (%s %s) ended at %d, after its event %d was sent (%d)", i, p.call.Method, p.call.Path, m.end, p.event, sink.at[p.event])
		}
	}
}
