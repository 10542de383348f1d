package pgoutbox

import (
	"math"
	"slices"
	"testing"
)

// TestGaps: the ranges cover every id at or below after that is not held, and nothing else.
func TestGaps(t *testing.T) {
	const lowest = math.MinInt64
	for _, tc := range []struct {
		name          string
		held          []int64
		after         int64
		wantLo, wantH []int64
	}{
		{"NothingHeld", nil, 9, []int64{lowest}, []int64{9}},
		{"Contiguous", []int64{4, 5, 6}, 6, []int64{lowest}, []int64{3}},
		{"HolesBetween", []int64{4, 6, 7, 10}, 10, []int64{lowest, 5, 8}, []int64{3, 5, 9}},
		{"AfterAboveTheHighestHeld", []int64{4, 5}, 8, []int64{lowest, 6}, []int64{3, 8}},
		{"Duplicates", []int64{4, 4, 5}, 5, []int64{lowest}, []int64{3}},
		{"HeldAboveAfterIgnored", []int64{4, 5, 12}, 5, []int64{lowest}, []int64{3}},
		{"LowestIDHeld", []int64{lowest, lowest + 1}, lowest + 3, []int64{lowest + 2}, []int64{lowest + 3}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := slices.Clone(tc.held)
			lo, hi, err := gaps(tc.held, tc.after)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(lo, tc.wantLo) || !slices.Equal(hi, tc.wantH) {
				t.Errorf("gaps(%v, %d) = %v…%v, want %v…%v", tc.held, tc.after, lo, hi, tc.wantLo, tc.wantH)
			}
			if !slices.Equal(in, tc.held) {
				t.Errorf("gaps reordered its argument: %v, was %v", tc.held, in)
			}
		})
	}
}

// TestGapsRefusesUnsortedHeldIDs: held ids out of order are a caller's bug (the relay passes
// them in id order); sorting them away would hide it.
func TestGapsRefusesUnsortedHeldIDs(t *testing.T) {
	if lo, hi, err := gaps([]int64{10, 4, 7, 6}, 10); err == nil {
		t.Errorf("gaps of unsorted ids = %v…%v, want an error", lo, hi)
	}
}
