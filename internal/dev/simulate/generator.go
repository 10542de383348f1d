package simulate

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/novatrek/support/internal/platform/event"
	"github.com/novatrek/support/internal/platform/topology"
	"github.com/novatrek/support/schemas"
)

// Event is one simulated record: its topic, its key (the value of the topic's key field)
// and its typed value, metadata filled in; with the synchronous API calls the domains make
// around it (see Call).
type Event struct {
	Topic string
	Key   string
	Value schemas.Event
	// Before are calls made before the event is sent: the contact of a person the event
	// names for the first time, written by the domain that owns them.
	Before []Call
	// After are calls made right after it: a new guest's app registering its push device.
	After []Call
}

// Generator yields the simulated events one at a time. It is deterministic: two generators
// with the same seed, handed the same times, yield equal events. Not safe for concurrent use.
type Generator struct {
	seed    string
	rng     *rand.Rand
	ids     uint64
	topics  map[string]simTopic // by the full Avro name of the value
	world   world
	pending []func(now time.Time) (Event, error) // follow-ups, first in first out
	cum     [numActions]float64                  // cumulative weights
	// contacts are the people (TYPE:id) whose contact has been written; before and after
	// collect the calls of the event being made (see named, device).
	contacts      map[string]bool
	before, after []Call
	// positioned is, for each guest whose app has reported a fix, the event count at the
	// first (see lastPosition).
	positioned map[string]int
	// seq counts the events made so far: the generator's clock for settled; actions the
	// actions started (see Actions).
	seq, actions int
	// lastFix is the time of each guest's newest fix, so a late one is older than it.
	lastFix map[string]time.Time
	nb      neighbours // the neighbouring domains' API workflows (neighbours.go)
}

// NewGenerator returns a generator for seed (any text; the same seed, the same events),
// producing to the topics topo gives the Schemas it knows (see Topics).
func NewGenerator(seed string, topo *topology.Topology) (*Generator, error) {
	topics, err := topicsBySchema(topo)
	if err != nil {
		return nil, err
	}
	g := &Generator{seed: seed, topics: topics, world: newWorld(), contacts: map[string]bool{},
		positioned: map[string]int{}, lastFix: map[string]time.Time{}, nb: newNeighbours()}
	sum := sha256.Sum256([]byte(seed))
	g.rng = rand.New(rand.NewPCG(binary.BigEndian.Uint64(sum[:8]), binary.BigEndian.Uint64(sum[8:16])))
	total := 0.0
	for a := range numActions {
		total += weights[a]
		g.cum[a] = total
	}
	return g, nil
}

// Next returns the next event, happening at now: a queued follow-up of an earlier action if
// there is one, else the first event of a new action drawn from the mix.
func (g *Generator) Next(now time.Time) (Event, error) {
	now = now.UTC().Truncate(time.Millisecond) // what timestamp-millis keeps
	g.seq++
	if len(g.pending) > 0 {
		f := g.pending[0]
		g.pending[0] = nil
		g.pending = g.pending[1:]
		return f(now)
	}
	g.actions++
	return g.start(g.draw(), now)
}

// Actions is how many actions the generator has started (drawn from the mix), the unit of
// the spec's daily volumes (see DayActions).
func (g *Generator) Actions() int { return g.actions }

// Idle reports whether every follow-up of the actions started has been returned, so the
// next event starts a new action.
func (g *Generator) Idle() bool { return len(g.pending) == 0 }

// draw picks an action by weight.
func (g *Generator) draw() action {
	x := g.rng.Float64() * g.cum[numActions-1]
	a, _ := slices.BinarySearch(g.cum[:], x)
	return min(action(a), numActions-1)
}

// then queues a follow-up event.
func (g *Generator) then(f func(now time.Time) (Event, error)) { g.pending = append(g.pending, f) }

// start runs action a; an action whose precondition does not hold (nothing PENDING to
// confirm, ...) books instead, which always can.
func (g *Generator) start(a action, now time.Time) (Event, error) {
	switch a {
	case actRegister:
		return g.register(now, nil)
	case actConfirm:
		if r, ok := g.world.pending.take(g.rng); ok {
			return g.confirm(now, r)
		}
	case actCancel:
		if r, ok := g.takeCancellable(); ok {
			return g.cancel(now, r)
		}
	case actTransport:
		if r, ok := g.world.confirmed.pick(g.rng); ok {
			return g.transportDetails(now, r)
		}
	case actCheckin:
		if r, ok := g.world.confirmed.take(g.rng); ok {
			return g.checkinAtBusySite(now, r)
		}
	case actComplete:
		if r, ok := g.world.checkedIn.take(g.rng); ok {
			if g.settled(r.checkedInSeq) {
				return g.complete(now, r)
			}
			g.world.checkedIn.add(g.rng, r) // just arrived: it stays, another party leaves
			if r, ok := g.world.checkedIn.takeFirst(func(x *reservation) bool { return g.settled(x.checkedInSeq) }); ok {
				return g.complete(now, r)
			}
		}
	case actNoShow:
		if r, ok := g.world.confirmed.take(g.rng); ok {
			return g.statusChange(now, r, "NO_SHOW", ptr("party did not check in"), "svc-check-in")
		}
	case actSchedule:
		return g.schedule(now)
	case actAffected:
		if r, ok := g.world.confirmed.pick(g.rng); ok {
			return g.affectedParties(now, r)
		}
	case actIncident:
		return g.incident(now)
	case actEmergency:
		return g.emergency(now, nil, nil)
	case actWildlife:
		return g.wildlifeAlert(now)
	case actRanger:
		return g.parkRangerAlert(now)
	case actPosition:
		if r, ok := g.world.checkedIn.pick(g.rng); ok {
			return g.position(now, r)
		}
	}
	return g.book(now)
}

// takeCancellable removes a random PENDING or CONFIRMED reservation, in proportion to how
// many each holds.
func (g *Generator) takeCancellable() (*reservation, bool) {
	p, c := g.world.pending.len(), g.world.confirmed.len()
	if p+c == 0 {
		return nil, false
	}
	if g.rng.IntN(p+c) < p {
		return g.world.pending.take(g.rng)
	}
	return g.world.confirmed.take(g.rng)
}

// emit stamps the event's metadata by package event's rules (a seed-derived event id, the
// flow's lineage), produced to the topic of v's schema by that topic's producer in
// topics.yaml (emitAs names one when the topic has several), and derives the key from the
// topic's key field.
func (g *Generator) emit(now time.Time, f *flow, meta *schemas.EventMetadata, v schemas.Event) (Event, error) {
	t, ok := g.topics[fullName(v)]
	if !ok {
		return Event{}, fmt.Errorf("simulate: %T is not one of the schemas it generates", v)
	}
	if len(t.producers) != 1 {
		return Event{}, fmt.Errorf("simulate: %s has %d producers of other domains; the action must name one", t.Name, len(t.producers))
	}
	return g.emitAs(now, t.producers[0], f, meta, v)
}

// emitAs is emit by producer, one of the topic's producers in topics.yaml.
func (g *Generator) emitAs(now time.Time, producer string, f *flow, meta *schemas.EventMetadata, v schemas.Event) (Event, error) {
	t, ok := g.topics[fullName(v)]
	if !ok {
		return Event{}, fmt.Errorf("simulate: %T is not one of the schemas it generates", v)
	}
	key, err := event.Route(t.Topic, v, producer)
	if err != nil {
		return Event{}, fmt.Errorf("simulate: %w", err)
	}
	g.release()
	id := g.id("event")
	*meta = event.Meta{ID: id, OccurredAt: now, Producer: producer,
		Lineage: event.Lineage{Correlation: f.id, Causation: f.last}}.Build(t.Topic, now)
	f.last = &id
	ev := Event{Topic: t.Name, Key: key, Value: v, Before: g.before, After: g.after}
	g.before, g.after = nil, nil
	return ev, nil
}

func (g *Generator) newFlow() *flow { return &flow{id: g.id("flow")} }

func (g *Generator) oneOf(xs []string) string { return xs[g.rng.IntN(len(xs))] }

func (g *Generator) chance(p float64) bool { return g.rng.Float64() < p }

func ptr[T any](v T) *T { return &v }

// day is the Avro date of t (midnight UTC).
func day(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}
