package loyalty

import "testing"

var testLadder = Ladder{
	{Code: "EXPLORER", Rank: 0, Threshold: 0, EarnMultiplier: "1"},
	{Code: "TRAILBLAZER", Rank: 1, Threshold: 1000, EarnMultiplier: "1.25"},
	{Code: "SUMMIT", Rank: 2, Threshold: 5000, EarnMultiplier: "1.5"},
	{Code: "LEGEND", Rank: 3, Threshold: 15000, EarnMultiplier: "2"},
}

// TestTierBoundaries: promotion at the threshold exactly (not one point below), straight to
// the highest tier reached; demotion only strictly below the threshold less 10 %, to the
// highest tier still reached; in between the tier is kept.
func TestTierBoundaries(t *testing.T) {
	for _, tc := range []struct {
		current    string
		qualifying int64
		want       string
	}{
		{"EXPLORER", 999, "EXPLORER"},
		{"EXPLORER", 1000, "TRAILBLAZER"},
		{"EXPLORER", 5000, "SUMMIT"},
		{"EXPLORER", 15000, "LEGEND"},
		{"TRAILBLAZER", 999, "TRAILBLAZER"},   // within the 10 % margin
		{"TRAILBLAZER", 900, "TRAILBLAZER"},   // at the margin: kept
		{"TRAILBLAZER", 899, "EXPLORER"},      // below it: demoted
		{"SUMMIT", 4500, "SUMMIT"},            // margin of 5000 is 500
		{"SUMMIT", 4499, "TRAILBLAZER"},       // demoted one rung: 4499 still reaches TRAILBLAZER
		{"LEGEND", 13500, "LEGEND"},           // margin of 15000 is 1500
		{"LEGEND", 100, "EXPLORER"},           // several rungs at once
		{"LEGEND", 20000, "LEGEND"},           // the top has nowhere to go
		{"NO-SUCH-TIER", 1200, "TRAILBLAZER"}, // a tier the ladder lost counts as the base
	} {
		if got := testLadder.Decide(tc.current, tc.qualifying, 10); got.Code != tc.want {
			t.Errorf("Decide(%s, %d) = %s, want %s", tc.current, tc.qualifying, got.Code, tc.want)
		}
	}
	if got := testLadder.Decide("TRAILBLAZER", 999, 0); got.Code != "EXPLORER" {
		t.Errorf("without hysteresis, one point below the threshold demotes: got %s", got.Code)
	}
	if next, ok := testLadder.Next("LEGEND"); ok {
		t.Errorf("Next(LEGEND) = %s, want none", next.Code)
	}
}
