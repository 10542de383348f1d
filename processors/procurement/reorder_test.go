package procurement

import (
	"math"
	"testing"
)

// TestReorderPointOfTheIssuesVector: d̄ = 10/day, σ = 3, L = 9 days, z = 1.645 gives
// SS = 1.645·3·3 ≈ 14.8 and ROP = 90 + SS ≈ 104.8.
func TestReorderPointOfTheIssuesVector(t *testing.T) {
	rop := Reorder(Demand{Mean: 10, StdDev: 3}, LeadTime{Mean: 9}, 1.645)
	if math.Abs(rop.SafetyStock-14.805) > 1e-9 || math.Abs(rop.Point-104.805) > 1e-9 {
		t.Errorf("SS = %v, ROP = %v; want 14.805 and 104.805", rop.SafetyStock, rop.Point)
	}
}

// TestReorderPointGrowsWithLeadTimeSpread: a supplier whose deliveries wander needs more
// safety stock than a steady one with the same mean (the d̄²·σL² term).
func TestReorderPointGrowsWithLeadTimeSpread(t *testing.T) {
	steady := Reorder(Demand{Mean: 10, StdDev: 3}, LeadTime{Mean: 9}, 1.645)
	wandering := Reorder(Demand{Mean: 10, StdDev: 3}, LeadTime{Mean: 9, StdDev: 2}, 1.645)
	want := 1.645 * math.Sqrt(9*9+100*4)
	if math.Abs(wandering.SafetyStock-want) > 1e-9 || wandering.Point <= steady.Point {
		t.Errorf("SS with spread = %v (want %v), ROP %v vs steady %v", wandering.SafetyStock, want, wandering.Point, steady.Point)
	}
}

func TestZScoreOfServiceLevels(t *testing.T) {
	for p, want := range map[float64]float64{0.95: 1.6449, 0.99: 2.3263, 0.9: 1.2816} {
		z, err := ZScore(p)
		if err != nil || math.Abs(z-want) > 1e-4 {
			t.Errorf("ZScore(%v) = %v, %v; want %v", p, z, err, want)
		}
	}
	for _, p := range []float64{0, 0.5, 1, 1.2, math.NaN()} {
		if _, err := ZScore(p); err == nil {
			t.Errorf("ZScore(%v) accepted", p)
		}
	}
}

// TestDemandOverAWindowCountsQuietDays: 10 and 20 units on two days of a four-day window
// is a mean of 7.5 with the two empty days counted as zeros.
func TestDemandOverAWindowCountsQuietDays(t *testing.T) {
	d := demandOver(4, 30, 100+400)
	wantSD := math.Sqrt(((10-7.5)*(10-7.5) + (20-7.5)*(20-7.5) + 2*7.5*7.5) / 3)
	if d.Mean != 7.5 || math.Abs(d.StdDev-wantSD) > 1e-9 {
		t.Errorf("demand = %+v; want mean 7.5, sd %v", d, wantSD)
	}
}
