package testproc_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/novatrek/support/schemas"
)

// pipelineTrace stamps each measured event at the stages between the input's acknowledgement
// and the output's receipt, so the benchmark says where the time goes instead of giving one
// total: the runtime's Intercept marks when the handler gets the event, and hooks on the
// relay's producing client mark when the output is handed to the client (after the handler's
// commit, the relay's wake-up and its fetch) and when the broker acknowledged it.
type pipelineTrace struct {
	index map[string]int // input event id → index

	mu       sync.Mutex
	handled  []time.Time          // by input index: first call of its handler
	buffered map[string]time.Time // by output value: the relay handed it to its client
	acked    map[string]time.Time // by output value: the broker acknowledged it
}

func newPipelineTrace(index map[string]int, n int) *pipelineTrace {
	return &pipelineTrace{
		index:    index,
		handled:  make([]time.Time, n),
		buffered: make(map[string]time.Time, n),
		acked:    make(map[string]time.Time, n),
	}
}

// intercept is the runtime's Config.Intercept: it runs inside the batch's transaction just
// before the event's handler. A retried event keeps its first stamp.
func (t *pipelineTrace) intercept(_ context.Context, _ string, meta schemas.EventMetadata) error {
	now := time.Now()
	i, ok := t.index[meta.EventID]
	if !ok {
		return nil // a warm-up event
	}
	t.mu.Lock()
	if t.handled[i].IsZero() {
		t.handled[i] = now
	}
	t.mu.Unlock()
	return nil
}

// OnProduceRecordBuffered implements kgo.HookProduceRecordBuffered for the relay's client.
func (t *pipelineTrace) OnProduceRecordBuffered(r *kgo.Record) {
	t.stamp(t.buffered, r)
}

// OnProduceRecordUnbuffered implements kgo.HookProduceRecordUnbuffered: a record leaves the
// buffer once the broker acknowledged it (or it failed, which the benchmark reports anyway).
func (t *pipelineTrace) OnProduceRecordUnbuffered(r *kgo.Record, _ error) {
	t.stamp(t.acked, r)
}

// stamp keeps the first time an output value reached a stage: a row the relay publishes
// again would only show as a duplicate, which the benchmark fails on.
func (t *pipelineTrace) stamp(at map[string]time.Time, r *kgo.Record) {
	now := time.Now()
	t.mu.Lock()
	if _, ok := at[string(r.Value)]; !ok {
		at[string(r.Value)] = now
	}
	t.mu.Unlock()
}

// log prints each stage's p50, p99 and max over the measured events: input acknowledged →
// handler (the runtime's fetch and queue), handler → relay's client (the handler, its
// commit, the relay's wake-up and fetch), relay's client → acknowledged (the relay's
// produce), acknowledged → consumer (the output's fetch). A stage that ends before it starts
// (clocks are read on different goroutines) counts as 0.
func (t *pipelineTrace) log(b *testing.B, acked, received []time.Time, values [][]byte) {
	b.Helper()
	t.mu.Lock()
	defer t.mu.Unlock()
	n := len(acked)
	stages := []struct {
		name string
		lat  []time.Duration
	}{
		{"input acked → handler", make([]time.Duration, n)},
		{"handler → relay produce (handler, commit, relay wake-up, fetch)", make([]time.Duration, n)},
		{"relay produce → acked", make([]time.Duration, n)},
		{"output acked → consumer", make([]time.Duration, n)},
	}
	for i := range n {
		v := string(values[i])
		marks := []time.Time{acked[i], t.handled[i], t.buffered[v], t.acked[v], received[i]}
		for s := range stages {
			if marks[s].IsZero() || marks[s+1].IsZero() {
				b.Fatalf("event %d has no stamp at stage %q", i, stages[s].name)
			}
			stages[s].lat[i] = max(marks[s+1].Sub(marks[s]), 0)
		}
	}
	for _, s := range stages {
		p := percentilesOf(s.lat)
		b.Logf("stage %-66s p50 %6.2f ms  p99 %6.2f ms  max %6.2f ms", s.name, ms(p.p50), ms(p.p99), ms(p.max))
	}
}
