package loyalty

import (
	"errors"
	"math/big"
	"testing"
	"time"
)

func rat(s string) *big.Rat {
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		panic(s)
	}
	return r
}

// TestEarnByTheRuleTable: base rate per currency, trip type and tier multipliers, dated
// promotions (from inclusive, to exclusive) with their bonus, rounding down, and a refused
// currency without a base rule.
func TestEarnByTheRuleTable(t *testing.T) {
	d := func(s string) *time.Time {
		v, _ := time.Parse(time.DateOnly, s)
		return &v
	}
	rules := []Rule{
		{ID: "base-usd", Kind: "base", Currency: "USD", PointsPerUnit: rat("1")},
		{ID: "base-cad", Kind: "base", Currency: "CAD", PointsPerUnit: rat("0.75")},
		{ID: "trip-expedition", Kind: "trip_type", TripType: "expedition", Multiplier: rat("1.5")},
		{ID: "promo", Kind: "promotion", Multiplier: rat("2"), Bonus: 50, ValidFrom: d("2026-12-01"), ValidTo: d("2027-01-01")},
	}
	on := func(s string) time.Time { return d(s).Add(15 * time.Hour) }
	for _, tc := range []struct {
		name   string
		p      Purchase
		points int64
	}{
		{"cents are rounded down", Purchase{Amount: rat("420.99"), Currency: "USD", On: on("2026-11-30")}, 420},
		{"CAD rate", Purchase{Amount: rat("101"), Currency: "CAD", On: on("2026-11-30")}, 75},
		{"trip type and tier", Purchase{Amount: rat("100"), Currency: "USD", TripType: "expedition", TierMultiplier: rat("1.25"), On: on("2026-11-30")}, 187},
		{"promotion's first day", Purchase{Amount: rat("100"), Currency: "USD", On: on("2026-12-01")}, 250},
		{"promotion's last day", Purchase{Amount: rat("100"), Currency: "USD", On: on("2026-12-31")}, 250},
		{"day after the promotion", Purchase{Amount: rat("100"), Currency: "USD", On: on("2027-01-01")}, 100},
		{"zero amount", Purchase{Amount: rat("0"), Currency: "USD", On: on("2026-11-30")}, 0},
	} {
		e, err := Earn(rules, tc.p)
		if err != nil || e.Points != tc.points {
			t.Errorf("%s: %d points (%v), want %d", tc.name, e.Points, err, tc.points)
		}
	}
	var noRule ErrNoBaseRule
	if _, err := Earn(rules, Purchase{Amount: rat("100"), Currency: "JPY", On: on("2026-11-30")}); !errors.As(err, &noRule) || noRule.Currency != "JPY" {
		t.Errorf("a currency without a base rule: %v, want ErrNoBaseRule naming JPY", err)
	}
	if _, err := Earn(rules, Purchase{Amount: rat("-1"), Currency: "USD"}); err == nil {
		t.Error("a negative amount earned points")
	}
}
