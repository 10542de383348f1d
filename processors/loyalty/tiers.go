package loyalty

import (
	"encoding/json"
	"math/big"
)

// Tier is one rung of the ladder (the tiers table).
type Tier struct {
	Code           string          `json:"code"`
	Rank           int             `json:"rank"`
	Threshold      int64           `json:"threshold"`
	EarnMultiplier string          `json:"earn_multiplier"`
	Benefits       json.RawMessage `json:"benefits"`
}

// multiplier is EarnMultiplier as a number (the table's CHECK keeps it positive).
func (t Tier) multiplier() *big.Rat {
	r, ok := new(big.Rat).SetString(t.EarnMultiplier)
	if !ok {
		return big.NewRat(1, 1)
	}
	return r
}

// Ladder is the tiers ordered by rank, lowest first; the lowest is where members start.
type Ladder []Tier

// Base is the tier a new member starts in.
func (l Ladder) Base() Tier { return l[0] }

// Tier returns the tier of code, or the base tier for a code the ladder no longer has.
func (l Ladder) Tier(code string) Tier {
	for _, t := range l {
		if t.Code == code {
			return t
		}
	}
	return l.Base()
}

// Next is the tier above code, if any.
func (l Ladder) Next(code string) (Tier, bool) {
	cur := l.Tier(code)
	for _, t := range l {
		if t.Rank > cur.Rank {
			return t, true
		}
	}
	return Tier{}, false
}

// reached is the highest tier whose threshold qualifying points reach.
func (l Ladder) reached(qualifying int64) Tier {
	best := l.Base()
	for _, t := range l {
		if qualifying >= t.Threshold && t.Rank > best.Rank {
			best = t
		}
	}
	return best
}

// Decide is the tier a member in current with qualifying points earned in the window
// belongs in. The rules (hysteresis, so that a member near a threshold does not flap
// between two tiers as single bookings enter and leave the window):
//
//   - promotion as soon as the points reach a higher tier's threshold (at the threshold
//     counts), straight to the highest tier reached;
//   - demotion only when the points fall strictly below the current tier's threshold less
//     hysteresisPct percent of it; the member then drops to the highest tier the points
//     still reach (possibly several rungs);
//   - in between, the member keeps the current tier.
func (l Ladder) Decide(current string, qualifying int64, hysteresisPct int) Tier {
	cur := l.Tier(current)
	reached := l.reached(qualifying)
	switch {
	case reached.Rank > cur.Rank:
		return reached
	case reached.Rank == cur.Rank:
		return cur
	}
	floor := cur.Threshold - cur.Threshold*int64(hysteresisPct)/100
	if qualifying < floor {
		return reached
	}
	return cur
}
