package simulate

import (
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
)

// The neighbouring domains' workflows on our APIs: guests reviewing completed trips
// (reviews.go), redeeming and losing points (loyalty.go), and the procurement back office
// (procurement.go). They are chains of calls spread over the following events (a review is
// written a while after the trip, an order approved a while after it is submitted), so they
// are queued here and released into the Before of a later event. Their choices come from
// hashOf, not the generator's random stream, so they leave the events' draws as they were.

// neighbours is what those workflows remember between events.
type neighbours struct {
	emitted uint64     // events emitted so far: the clock of the queue
	later   []deferred // calls waiting for their event, in the order queued
	loyalty loyaltyState
	stock   stockState
}

func newNeighbours() neighbours {
	return neighbours{
		loyalty: loyaltyState{points: map[string]int64{}},
		stock:   stockState{level: map[string]int{}, onOrder: map[string]bool{}, suppliers: map[string]bool{}},
	}
}

// deferred is a call released with the event emitted once emitted reaches at; done, when
// set, runs at its release (the workflow's state moves as the call is made).
type deferred struct {
	at   uint64
	call Call
	done func()
}

// deferCall queues c to be made before the event emitted n events from now (n ≥ 1).
func (g *Generator) deferCall(n int, c Call, done func()) {
	g.nb.later = append(g.nb.later, deferred{at: g.nb.emitted + uint64(n), call: c, done: done})
}

// release moves the calls due into the Before of the event being emitted.
func (g *Generator) release() {
	g.nb.emitted++
	kept := g.nb.later[:0]
	for _, d := range g.nb.later {
		if d.at > g.nb.emitted {
			kept = append(kept, d)
			continue
		}
		g.before = append(g.before, d.call)
		if d.done != nil {
			d.done()
		}
	}
	clear(g.nb.later[len(kept):])
	g.nb.later = kept
}

// dice returns a number in [0, 1) derived from the seed and parts: the workflows' dice.
func (g *Generator) dice(parts ...string) float64 {
	h := g.hashOf(parts...)
	return float64(binary.BigEndian.Uint64(h[:8])>>11) / (1 << 53)
}

// pickN returns an index below n derived from the seed and parts.
func (g *Generator) pickN(n int, parts ...string) int {
	h := g.hashOf(parts...)
	return int(binary.BigEndian.Uint64(h[8:16]) % uint64(n))
}

// key is an Idempotency-Key derived from the seed and parts: a retried call repeats it.
func (g *Generator) key(parts ...string) string {
	h := g.hashOf(append([]string{"idempotency"}, parts...)...)
	return hex.EncodeToString(h[:16])
}

// jsonBody marshals a request body of plain values (which always marshals).
func jsonBody(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic("simulate: request body: " + err.Error())
	}
	return b
}
