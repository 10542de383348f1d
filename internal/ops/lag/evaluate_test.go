package lag

import (
	"strings"
	"testing"
	"time"
)

func TestEvaluate(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	// obs builds a window from (committed, end, owned) triples taken 10s apart on a log
	// starting at 0 whose high watermark equals the end.
	type o struct {
		committed, end int64
		owned          bool
	}
	obs := func(in ...o) []Observation {
		w := make([]Observation, len(in))
		for i, x := range in {
			lag := x.end - max(x.committed, 0)
			w[i] = Observation{At: t0.Add(time.Duration(i) * 10 * time.Second), Committed: x.committed,
				Start: 0, HighWater: x.end, End: x.end, Lag: max(lag, 0), Owned: x.owned}
		}
		return w
	}
	tests := []struct {
		name   string
		window []Observation
		want   Status
		reason string // substring of the reason
	}{
		{"empty window", nil, OK, "not observed"},
		{"caught up now", obs(o{5, 10, true}, o{10, 10, true}), OK, "caught up"},
		{"caught up earlier in the window, stuck since", obs(o{10, 10, true}, o{10, 12, true}, o{10, 15, true}), OK, "within the window"},
		{"moving, lag shrinking", obs(o{0, 100, true}, o{50, 120, true}, o{100, 130, true}), OK, "consuming"},
		{"moving, lag steady", obs(o{0, 100, true}, o{50, 150, true}, o{100, 200, true}), OK, "consuming"},
		{"moving, lag growing at every step", obs(o{0, 100, true}, o{10, 150, true}, o{20, 200, true}), WARN, "grew from 100 to 180"},
		{"moving, lag grew once: too little to tell", obs(o{0, 100, true}, o{10, 150, true}), OK, "consuming"},
		{"moving, a small lag flat then one more: live traffic between batches", obs(o{98, 100, true}, o{148, 150, true}, o{197, 200, true}), OK, "consuming; lag 3"},
		{"moving, lag grew then dipped", obs(o{0, 100, true}, o{10, 150, true}, o{90, 160, true}, o{95, 200, true}), OK, "consuming"},
		{"stuck with a live owner", obs(o{40, 100, true}, o{40, 110, true}, o{40, 120, true}), STALL, "did not move in 20s"},
		{"stuck with an owner for part of the window", obs(o{40, 100, false}, o{40, 110, true}), STALL, "did not move"},
		{"one observation of an owned lagging partition", obs(o{40, 100, true}), OK, "cannot tell"},
		{"no owner, lag, one observation", obs(o{40, 100, false}), STOP, "no live member"},
		{"no owner in the whole window", obs(o{40, 100, false}, o{40, 100, false}, o{40, 130, false}), STOP, "lag 90"},
		{"no owner, never committed", obs(o{-1, 100, false}, o{-1, 100, false}), STOP, "no live member"},
		{"no owner, caught up earlier, records arrived since", obs(o{100, 100, false}, o{100, 100, false}, o{100, 103, false}), STOP, "lag 3"},
		{"no owner, offsets moved by a tool, caught up earlier", obs(o{90, 100, false}, o{100, 100, false}, o{100, 103, false}), OK, "within the window"},
		{"no owner but caught up", obs(o{100, 100, false}, o{100, 100, false}), OK, "caught up"},
		{"committed beyond the end", obs(o{40, 100, true}, o{140, 100, true}), ERR, "beyond the end"},
		{"rewound by a reset, stuck since", obs(o{90, 100, true}, o{10, 100, true}, o{10, 100, true}), STALL, "did not move in 10s"},
		{"rewound by a reset, consuming since", obs(o{100, 100, true}, o{0, 100, true}, o{30, 100, true}), OK, "consuming"},
	}
	// Committed before the log start: retention deleted unconsumed records.
	expired := obs(o{5, 100, true}, o{5, 100, true})
	expired[1].Start = 20
	tests = append(tests, struct {
		name   string
		window []Observation
		want   Status
		reason string
	}{"committed before the log start", expired, ERR, "15 records were deleted"})

	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Evaluate(tc.window)
			if got.Status != tc.want || !strings.Contains(got.Reason, tc.reason) {
				t.Errorf("Evaluate = %s %q; want %s with %q", got.Status, got.Reason, tc.want, tc.reason)
			}
		})
	}
}

func TestStatusText(t *testing.T) {
	t.Parallel()
	for _, s := range Statuses() {
		b, _ := s.MarshalText()
		var back Status
		if err := back.UnmarshalText([]byte(strings.ToLower(string(b)))); err != nil || back != s {
			t.Errorf("round trip of %s: got %s, %v", s, back, err)
		}
	}
	var s Status
	if err := s.UnmarshalText([]byte("SLOW")); err == nil || !strings.Contains(err.Error(), "SLOW") {
		t.Errorf("UnmarshalText(SLOW) = %v; want an error naming it", err)
	}
	if worst(STALL, WARN) != STALL || worst(OK, ERR) != ERR {
		t.Error("worst does not follow severity")
	}
}

func TestTrimWindow(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var w []Observation
	for i := range 10 {
		w = append(w, Observation{At: t0.Add(time.Duration(i) * time.Minute), Committed: int64(i)})
	}
	if got := trimWindow(w, t0.Add(5*time.Minute), 100); len(got) != 5 || got[0].Committed != 5 {
		t.Errorf("trim by age kept %d starting at %d; want 5 starting at 5", len(got), got[0].Committed)
	}
	if got := trimWindow(w, t0.Add(time.Hour), 100); len(got) != 2 {
		t.Errorf("trim with everything too old kept %d; want the latest 2", len(got))
	}
	if got := trimWindow(w, t0, 3); len(got) != 3 || got[0].Committed != 7 {
		t.Errorf("trim by count kept %d; want the latest 3", len(got))
	}
}
