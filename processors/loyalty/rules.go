package loyalty

import (
	"fmt"
	"math/big"
	"slices"
	"time"
)

// Rule is one row of the earning rule table (earning_rules):
//
//   - base: PointsPerUnit points per whole unit of Currency spent (a booking in a currency
//     without a base rule earns nothing and is refused loudly: a missing rule is a
//     configuration gap, not zero points);
//   - trip_type: a Multiplier for bookings of TripType;
//   - promotion: a Multiplier and/or a Bonus for completions on a day in [ValidFrom,
//     ValidTo) (either end open when nil).
//
// The member's tier adds its own multiplier (tiers.earn_multiplier).
type Rule struct {
	ID            string
	Kind          string
	Currency      string
	PointsPerUnit *big.Rat
	TripType      string
	Multiplier    *big.Rat
	Bonus         int64
	ValidFrom     *time.Time
	ValidTo       *time.Time
}

// Purchase is what a completed booking earns on.
type Purchase struct {
	Amount   *big.Rat // the booking's total price
	Currency string
	TripType string
	// On is the day of the completion, which promotions are dated against.
	On time.Time
	// TierMultiplier is the member's tier's.
	TierMultiplier *big.Rat
}

// Earning is how many points a purchase earns and which rules gave them.
type Earning struct {
	Points int64
	Rules  []string
}

// ErrNoBaseRule is returned for a currency the rule table has no base rate for.
type ErrNoBaseRule struct{ Currency string }

func (e ErrNoBaseRule) Error() string {
	return fmt.Sprintf("no base earning rule for currency %s", e.Currency)
}

// Earn computes the points of p: floor(amount × rate × tier × trip type × promotions) plus
// the promotions' bonuses. Rounding down keeps a fraction of a point from ever being
// granted twice over many bookings.
func Earn(rules []Rule, p Purchase) (Earning, error) {
	if p.Amount == nil || p.Amount.Sign() < 0 {
		return Earning{}, fmt.Errorf("booking amount %v is not a non-negative number", p.Amount)
	}
	var e Earning
	product := new(big.Rat).Set(p.Amount)
	if p.TierMultiplier != nil {
		product.Mul(product, p.TierMultiplier)
	}
	base := false
	var bonus int64
	for _, r := range rules {
		switch r.Kind {
		case "base":
			if r.Currency != p.Currency || base {
				continue
			}
			base = true
			product.Mul(product, r.PointsPerUnit)
		case "trip_type":
			if r.TripType != p.TripType {
				continue
			}
			product.Mul(product, r.Multiplier)
		case "promotion":
			if !r.activeOn(p.On) {
				continue
			}
			product.Mul(product, r.Multiplier)
			bonus += r.Bonus
		default:
			continue
		}
		e.Rules = append(e.Rules, r.ID)
	}
	if !base {
		return Earning{}, ErrNoBaseRule{Currency: p.Currency}
	}
	floor := new(big.Int).Quo(product.Num(), product.Denom()) // both non-negative: Quo floors
	if !floor.IsInt64() {
		return Earning{}, fmt.Errorf("booking amount %s %s earns more points than fit a ledger entry", p.Amount.FloatString(2), p.Currency)
	}
	e.Points = floor.Int64() + bonus
	slices.Sort(e.Rules)
	return e, nil
}

// activeOn reports whether a promotion covers day (ValidFrom inclusive, ValidTo exclusive).
func (r Rule) activeOn(day time.Time) bool {
	d := day.UTC().Truncate(24 * time.Hour)
	return (r.ValidFrom == nil || !d.Before(*r.ValidFrom)) && (r.ValidTo == nil || d.Before(*r.ValidTo))
}
