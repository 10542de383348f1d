package soak

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"
)

// Report is what a soak did and found.
type Report struct {
	// Duration is the traffic asked for; Traffic how long sending it took (longer when the
	// simulator's API calls wait on instances the faults stopped, or on a loaded machine).
	Duration  time.Duration
	Traffic   time.Duration
	Instances int
	Services  int
	Rate      float64
	Seed      string
	// Days is the spec days of traffic asked for (Config.Days; 0: Rate for Duration);
	// Planned and PlannedByTopic their events (simulate.Plan), which Events and ByTopic
	// equal when the whole of them was sent.
	Days           float64
	Planned        int
	PlannedByTopic map[string]int

	// Events are the events the simulator had acknowledged, by topic; Calls and
	// CallErrors its API calls through the proxy; CallsSkipped those not made because no
	// service serves their route (simulate.ErrNoRoute).
	Events                          int
	ByTopic                         map[string]int
	Calls, CallErrors, CallsSkipped int
	// CallFailures counts the failed calls by answer: "503", "502", ..., "no answer".
	CallFailures map[string]int
	// Faults counts the faults injected, by kind; Exits the processes that ended without
	// a fault meaning them to (each was started again, as a supervisor would).
	Faults map[string]int
	Exits  map[string]int

	Groups  []GroupResult
	Outputs []OutputResult
	Checks  []CheckResult
	// DeadLetters are the records on the services' dead-letter topics.
	DeadLetters int64
	// OutboxRows are the rows still in the outboxes at the end; OutboxOldest the oldest's age.
	OutboxRows   int64
	OutboxOldest time.Duration
	// Effects counts everything checked: records accounted for, events published, the
	// services' own checks.
	Effects          int64
	Lost, Duplicated int64
	// CaughtUp says the services had nothing left to apply or publish for a while before
	// they were stopped; when not, the records they had not reached count as violations.
	CaughtUp bool
	// Republished counts outbox rows the relay published twice, a violation; Reenqueued the
	// byte-identical copies of an event from different rows, counted apart (see OutputResult).
	Republished, Reenqueued int64
	// Violations lists every invariant that does not hold, one line each; Checked says the
	// invariants were checked at all (the soak ran to its end).
	Violations []string
	Checked    bool
}

// OK reports whether the invariants were checked and every one held.
func (r *Report) OK() bool { return r.Checked && len(r.Violations) == 0 }

func (r *Report) violate(format string, args ...any) {
	r.Violations = append(r.Violations, fmt.Sprintf(format, args...))
}

// Print writes the report as the lines `novatrek soak` prints.
func (r *Report) Print(w io.Writer) {
	total := 0
	for _, n := range r.Faults {
		total += n
	}
	var kinds []string
	for _, k := range slices.Sorted(maps.Keys(r.Faults)) {
		kinds = append(kinds, fmt.Sprintf("%s %d", k, r.Faults[k]))
	}
	fmt.Fprintf(w, "soak: %v, %d services x %d instances, %.4g events/s (seed %s)\n", r.Duration.Round(time.Second), r.Services, r.Instances, r.Rate, r.Seed)
	var answers []string
	for _, a := range slices.Sorted(maps.Keys(r.CallFailures)) {
		answers = append(answers, fmt.Sprintf("%s: %d", a, r.CallFailures[a]))
	}
	fmt.Fprintf(w, "events: %d sent by the simulator on %d topics in %v; API calls %d (%d failed; by answer %s)",
		r.Events, len(r.ByTopic), r.Traffic.Round(time.Second), r.Calls+r.CallErrors, r.CallErrors, strings.Join(answers, ", "))
	if r.CallsSkipped > 0 {
		fmt.Fprintf(w, "; %d not made: no service serves their route", r.CallsSkipped)
	}
	fmt.Fprintln(w)
	if r.Days > 0 {
		r.printDay(w)
	}
	fmt.Fprintf(w, "faults: %d injected (%s)\n", total, strings.Join(kinds, ", "))
	if len(r.Exits) > 0 {
		fmt.Fprintf(w, "processes that exited by themselves and were restarted: %v\n", r.Exits)
	}
	for _, g := range r.Groups {
		fmt.Fprintf(w, "  %-26s %7d records on %2d topics: applied %d, dead-lettered %d, lost %d", g.Service, g.Records, g.Topics, g.Applied, g.DeadLettered, g.Lost)
		if g.Pending > 0 {
			fmt.Fprintf(w, " (%d published after it stopped, not checked)", g.Pending)
		}
		fmt.Fprintln(w)
	}
	for _, o := range r.Outputs {
		fmt.Fprintf(w, "  %-60s %6d published, re-published %d, re-enqueued %d, duplicated %d", o.Topic, o.Events, o.Republished, o.Reenqueued, o.Duplicated)
		if o.Compacted > 0 {
			fmt.Fprintf(w, " (%d compacted away, the newest per key kept: checked %d)", o.Compacted, o.Events-o.Compacted)
		}
		fmt.Fprintln(w)
	}
	for _, c := range r.Checks {
		state := "holds"
		if c.Problem != "" {
			state = "FAILS: " + c.Problem
		}
		fmt.Fprintf(w, "  %-26s %s over %d: %s\n", c.Service, c.Name, c.Effects, state)
	}
	fmt.Fprintf(w, "dead letters: %d, each with its reason; outbox: %d rows waiting (oldest %v)\n", r.DeadLetters, r.OutboxRows, r.OutboxOldest.Round(time.Second))
	fmt.Fprintf(w, "effects checked: %d; lost %d, duplicated %d\n", r.Effects, r.Lost, r.Duplicated)
	fmt.Fprintf(w, "re-published: %d outbox rows reached Kafka twice (the relay's resume check should keep this 0)\n", r.Republished)
	if r.Reenqueued > 0 {
		fmt.Fprintf(w, "re-enqueued: %d events reached Kafka twice as the same bytes from two outbox rows (the service enqueued them twice; the consumers' inboxes applied each once)\n", r.Reenqueued)
	}
	if !r.Checked {
		fmt.Fprintln(w, "invariants: not checked (the soak did not run to its end)")
		return
	}
	if r.OK() {
		fmt.Fprintln(w, "invariants: all hold")
		return
	}
	fmt.Fprintf(w, "invariants: %d violated\n", len(r.Violations))
	for _, v := range r.Violations {
		fmt.Fprintln(w, "  VIOLATED:", v)
	}
}

// printDay says how much of the days asked for was sent, topic by topic, and how far the
// traffic time compressed them: a spec day's traffic belongs to 24 hours, so Days of them
// sent in Traffic is compressed 24h/Traffic, Days×24h/Traffic times the spec's daily rate.
func (r *Report) printDay(w io.Writer) {
	whole := "the whole of it"
	if r.Events != r.Planned || !maps.Equal(r.ByTopic, r.PlannedByTopic) {
		whole = fmt.Sprintf("INCOMPLETE: %.1f %% of it", 100*float64(r.Events)/float64(max(r.Planned, 1)))
	}
	fmt.Fprintf(w, "day: %gx the spec's daily volume (%g spec days): %d of %d planned events sent, %s\n", r.Days, r.Days, r.Events, r.Planned, whole)
	if r.Traffic > 0 {
		c := float64(24*time.Hour) / float64(r.Traffic)
		fmt.Fprintf(w, "compression: 24 h of a %gx day in %v, %.0fx; %.0fx the spec's daily rate\n", r.Days, r.Traffic.Round(time.Second), c, c*r.Days)
	}
	for _, t := range slices.Sorted(maps.Keys(r.PlannedByTopic)) {
		fmt.Fprintf(w, "  %-60s %7d of %7d (%.0f a spec day)\n", t, r.ByTopic[t], r.PlannedByTopic[t], float64(r.PlannedByTopic[t])/r.Days)
	}
}
