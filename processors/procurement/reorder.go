package procurement

import (
	"fmt"
	"math"
)

// Demand is an item's consumption at one place over the window: the mean and the sample
// standard deviation of its daily totals, days without consumption counting as zeros.
type Demand struct{ Mean, StdDev float64 }

// LeadTime is a supplier's lead time in days: the mean and spread of its actual deliveries,
// or its promised lead time with no spread before its first delivery.
type LeadTime struct{ Mean, StdDev float64 }

// ReorderPoint is what an item's stock is judged against.
type ReorderPoint struct {
	SafetyStock float64
	Point       float64
}

// demandOver is the Demand of days days whose daily totals sum to sum and whose squares sum
// to sumSquares: the database hands the two sums, so the window's days never travel.
func demandOver(days int, sum, sumSquares float64) Demand {
	if days < 2 {
		return Demand{Mean: sum / math.Max(float64(days), 1)}
	}
	n := float64(days)
	mean := sum / n
	variance := (sumSquares - n*mean*mean) / (n - 1)
	return Demand{Mean: mean, StdDev: math.Sqrt(math.Max(variance, 0))}
}

// Reorder is the reorder point for demand d, lead time l and service level z (a standard
// normal quantile): safety stock SS = z·√(L·σd² + d̄²·σL²), ROP = d̄·L + SS. With a steady
// lead time (σL = 0) SS is the textbook z·σd·√L; the second term covers a supplier whose
// deliveries wander, which a fixed L would understate.
func Reorder(d Demand, l LeadTime, z float64) ReorderPoint {
	ss := z * math.Sqrt(l.Mean*d.StdDev*d.StdDev+d.Mean*d.Mean*l.StdDev*l.StdDev)
	return ReorderPoint{SafetyStock: ss, Point: d.Mean*l.Mean + ss}
}

// ZScore is the standard normal quantile of service level p (0.95 → 1.645): the number of
// standard deviations of lead-time demand the safety stock covers.
func ZScore(p float64) (float64, error) {
	if !(p > 0.5 && p < 1) {
		return 0, fmt.Errorf("service level %v is not between 0.5 and 1", p)
	}
	return math.Sqrt2 * math.Erfinv(2*p-1), nil
}

// breached reports whether on hand stock has fallen to the reorder point of an item that
// is in demand (no demand, no reorder point to fall to).
func breached(onHand int, d Demand, rop ReorderPoint) bool {
	return d.Mean > 0 && float64(onHand) <= rop.Point
}

// covered reports whether what open orders will bring lifts the stock above the point.
func covered(onHand, onOrder int, rop ReorderPoint) bool {
	return float64(onHand+onOrder) > rop.Point
}

// suggestedQuantity brings the stock position (on hand plus on order) up to the reorder
// point plus one lead time of demand, at least one unit.
func suggestedQuantity(onHand, onOrder int, d Demand, l LeadTime, rop ReorderPoint) int {
	q := int(math.Ceil(rop.Point + d.Mean*l.Mean - float64(onHand+onOrder)))
	return max(q, 1)
}

// daysOfCover is how many days on hand stock lasts at the mean demand; nil without demand.
func daysOfCover(onHand int, d Demand) *float64 {
	if d.Mean <= 0 {
		return nil
	}
	v := float64(onHand) / d.Mean
	return &v
}
