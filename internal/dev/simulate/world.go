package simulate

import (
	"math/rand/v2"
	"slices"
	"time"
)

// Caps on what the generator remembers, so a simulator left running for days stays small:
// past a cap, adding replaces a random entry (that guest stops booking, that reservation's
// lifecycle is abandoned, as happens).
const (
	maxGuests       = 100_000
	maxReservations = 20_000 // per lifecycle state
)

type guest struct {
	id, firstName, lastName, email, phone, language string
}

// reservation is a booking the generator is walking through its lifecycle.
type reservation struct {
	id, guestID, departureID string
	checkinID                string // once checked in
	checkedInSeq             int    // the event count at the check-in
	guide                    string // the guide leading the party (see leads), "" for none known
	trip                     *trip
	departure                time.Time
	party                    int
	status                   string
	insured                  bool
	partner                  *string
	flow                     *flow
}

// flow is one business flow (a booking, an incident): its events share the correlation id,
// and each names the previous one as its cause.
type flow struct {
	id   string
	last *string
}

// pool is an unordered set that hands out random members.
type pool[T any] struct {
	items []T
	max   int
}

func (p *pool[T]) add(r *rand.Rand, x T) {
	if len(p.items) >= p.max {
		p.items[r.IntN(len(p.items))] = x
		return
	}
	p.items = append(p.items, x)
}

// take removes and returns a random member.
func (p *pool[T]) take(r *rand.Rand) (T, bool) {
	var zero T
	if len(p.items) == 0 {
		return zero, false
	}
	i := r.IntN(len(p.items))
	x := p.items[i]
	last := len(p.items) - 1
	p.items[i] = p.items[last]
	p.items[last] = zero
	p.items = p.items[:last]
	return x, true
}

// takeFirst removes and returns the first member that ok accepts.
func (p *pool[T]) takeFirst(ok func(T) bool) (T, bool) {
	var zero T
	for i, x := range p.items {
		if ok(x) {
			p.items = slices.Delete(p.items, i, i+1)
			return x, true
		}
	}
	return zero, false
}

// pick returns a random member and leaves it in.
func (p *pool[T]) pick(r *rand.Rand) (T, bool) {
	var zero T
	if len(p.items) == 0 {
		return zero, false
	}
	return p.items[r.IntN(len(p.items))], true
}

func (p *pool[T]) len() int { return len(p.items) }

// world is what the generator remembers: registered guests and live reservations by state.
type world struct {
	guests    pool[*guest]
	pending   pool[*reservation]
	confirmed pool[*reservation] // confirmed, not checked in yet
	checkedIn pool[*reservation]
	// revisions counts the schedules published per day, for SchedulePublished.Revision.
	revisions map[string]int
	// occupancy is how many people are checked in at each departure site.
	occupancy map[string]int
	// leads is, per trip, the guide the newest published schedule assigned to lead it: a
	// party checking in is led by that guide. (The simulator's clock runs a trip faster
	// than its calendar, so a reservation's own departure is rarely one a schedule covered;
	// the trip's current lead is what svc-scheduling's events tell.)
	leads map[string]string
}

func newWorld() world {
	return world{
		guests:    pool[*guest]{max: maxGuests},
		pending:   pool[*reservation]{max: maxReservations},
		confirmed: pool[*reservation]{max: maxReservations},
		checkedIn: pool[*reservation]{max: maxReservations},
		revisions: map[string]int{},
		occupancy: map[string]int{},
		leads:     map[string]string{},
	}
}
