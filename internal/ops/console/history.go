package console

import (
	"context"
	"sync"
	"time"

	"github.com/novatrek/support/internal/ops/lag"
)

// historySpan is how far back the overview's sparklines reach.
const historySpan = time.Hour

// point is one observation of one group, as the sparklines draw it.
type point struct {
	At          time.Time
	Lag         int64
	DeadLetters int64
	// Committed is the sum of the group's committed offsets (of a topic's end offsets, for
	// a topic): its change over time is the events/s.
	Committed int64
}

// history keeps each group's points of the last span, from the lag collector's
// observations (the same ones /metrics serves), oldest first.
type history struct {
	span time.Duration
	mu   sync.Mutex
	last time.Time
	by   map[string][]point
	// ends are the last two observations' end offsets of each topic, summed: its append rate.
	ends map[string][2]point
}

func newHistory(span time.Duration) *history {
	return &history{span: span, by: map[string][]point{}, ends: map[string][2]point{}}
}

// add records snap once (an observation already added is ignored) and drops what is older
// than the span.
func (h *history) add(snap lag.Snapshot) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if !snap.At.After(h.last) {
		return
	}
	h.last = snap.At
	dead := deadLetterCounts(snap)
	cutoff := snap.At.Add(-h.span)
	for _, g := range snap.Groups {
		p := point{At: snap.At, Lag: g.Lag, DeadLetters: dead[g.Group], Committed: committedSum(g)}
		pts := append(h.by[g.Group], p)
		i := 0
		for i < len(pts) && pts[i].At.Before(cutoff) {
			i++
		}
		h.by[g.Group] = pts[i:]
	}
	for topic, size := range topicSizes(snap) {
		prev := h.ends[topic]
		h.ends[topic] = [2]point{prev[1], {At: snap.At, Committed: size.End}}
	}
}

// topicRate is the records/s appended to topic between the last two observations, -1
// when unknown.
func (h *history) topicRate(topic string) float64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	e, ok := h.ends[topic]
	if !ok || e[0].At.IsZero() {
		return -1
	}
	return rate(e[:])
}

// points returns a copy of group's points.
func (h *history) points(group string) []point {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]point(nil), h.by[group]...)
}

// rate is the group's events/s over its last two points, -1 when unknown.
func rate(pts []point) float64 {
	if len(pts) < 2 {
		return -1
	}
	a, b := pts[len(pts)-2], pts[len(pts)-1]
	dt := b.At.Sub(a.At).Seconds()
	if dt <= 0 || b.Committed < a.Committed {
		return -1
	}
	return float64(b.Committed-a.Committed) / dt
}

func committedSum(g lag.Group) int64 {
	var n int64
	for _, p := range g.Partitions {
		if p.Committed > 0 {
			n += p.Committed
		}
	}
	return n
}

func deadLetterCounts(snap lag.Snapshot) map[string]int64 {
	out := map[string]int64{}
	for _, d := range snap.DeadLetters {
		out[d.Group] = d.Records
	}
	return out
}

// Sample adds the collector's latest observation to the history, if there is a new one.
func (c *Console) Sample() {
	if snap, ok := c.cfg.Lag.Latest(); ok {
		c.history.add(snap)
	}
}

// Run samples every interval until ctx ends. The caller runs the collector itself; sampling
// more often than it observes only finds nothing new.
func (c *Console) Run(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		c.Sample()
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
