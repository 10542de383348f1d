package simulate

import (
	"fmt"
	"math"
	"time"

	"github.com/novatrek/support/internal/platform/topology"
)

// A spec day is the traffic of one day of a busy season as docs/spec/support-domain.md
// sizes it: the mix's weights (mix.go) are how often each action starts in such a day
// (~1,000 bookings, 930 deposits paid, 840 check-ins and completed trips, 350 sign-ups, a
// few incidents, ...), so a day is DayActions actions with every follow-up they queue
// (confirmation requests, metrics, escalations). Its events per topic are what the
// generator makes of those actions for a seed (Plan): about 7,400 events and 4,700 API
// calls a day, within a percent or two from one seed to another. "A 20x day", the volume
// issue 21 soaks at, is Plan(seed, 20): the event count per topic of one spec day times 20.
//
// What a day does not cover: the neighbours' calls still queued for later events when the
// day's last action is out (a review written 40 events after its trip) are not made; they
// belong to the next day.

// DayActions is the number of actions in one spec day: the sum of the mix's daily weights.
var DayActions = func() int {
	total := 0.0
	for _, w := range weights {
		total += w
	}
	return int(math.Round(total))
}()

// DaysActions is the number of actions in days spec days (days > 0), rounded.
func DaysActions(days float64) int { return int(math.Round(days * float64(DayActions))) }

// Volume is what a run of some days sends: events in all and by topic, and the API calls
// the events carry.
type Volume struct {
	Days    float64
	Actions int
	Events  int
	ByTopic map[string]int
	Calls   int
}

// Plan returns the volume of days spec days for seed, by generating them without sending
// anything (about a second a 20x day): Run with the same seed and Config.Days sends exactly
// these events.
func Plan(seed string, topo *topology.Topology, days float64) (Volume, error) {
	if days <= 0 || math.IsInf(days, 0) || math.IsNaN(days) {
		return Volume{}, fmt.Errorf("simulate: %v days: must be a positive number", days)
	}
	g, err := NewGenerator(seed, topo)
	if err != nil {
		return Volume{}, err
	}
	v := Volume{Days: days, Actions: DaysActions(days), ByTopic: map[string]int{}}
	v.Calls = len(g.Setup())
	now := time.Date(2026, 7, 1, 6, 0, 0, 0, time.UTC)
	for !dayDone(g, v.Actions) {
		ev, err := g.Next(now.Add(time.Duration(v.Events) * time.Second))
		if err != nil {
			return Volume{}, err
		}
		v.Events++
		v.ByTopic[ev.Topic]++
		v.Calls += len(ev.Before) + len(ev.After)
	}
	return v, nil
}

// dayDone reports whether g has started actions actions and returned all their follow-ups.
func dayDone(g *Generator, actions int) bool { return g.Actions() >= actions && g.Idle() }
