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

	// Events are the events the simulator had acknowledged, by topic; Calls and
	// CallErrors its API calls through the proxy.
	Events            int
	ByTopic           map[string]int
	Calls, CallErrors int
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
	// Republished counts the byte-identical copies of published events (see OutputResult).
	Republished int64
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
	fmt.Fprintf(w, "soak: %v, %d services x %d instances, %g events/s (seed %s)\n", r.Duration.Round(time.Second), r.Services, r.Instances, r.Rate, r.Seed)
	var answers []string
	for _, a := range slices.Sorted(maps.Keys(r.CallFailures)) {
		answers = append(answers, fmt.Sprintf("%s: %d", a, r.CallFailures[a]))
	}
	fmt.Fprintf(w, "events: %d sent by the simulator on %d topics in %v; API calls %d (%d failed; by answer %s)\n",
		r.Events, len(r.ByTopic), r.Traffic.Round(time.Second), r.Calls+r.CallErrors, r.CallErrors, strings.Join(answers, ", "))
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
		fmt.Fprintf(w, "  %-60s %6d published, re-published %d, duplicated %d", o.Topic, o.Events, o.Republished, o.Duplicated)
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
	if r.Republished > 0 {
		fmt.Fprintf(w, "re-published: %d events reached Kafka twice as the same record (the outbox relay is at-least-once across a lost session; the consumers' inboxes applied each once)\n", r.Republished)
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
