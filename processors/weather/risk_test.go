package weather

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/novatrek/support/processors/weather/nws"
)

var (
	hour0 = time.Date(2026, 7, 1, 12, 0, 0, 0, time.UTC)
	kayak = []threshold{
		{Factor: "wind_kmh", Caution: 20, Cancel: 35},
		{Factor: "gust_kmh", Caution: 35, Cancel: 55},
		{Factor: "lightning_pct", Caution: 10, Cancel: 25},
		{Factor: "cold_c", Below: true, Caution: -10, Cancel: -25},
		{Factor: "visibility_m", Below: true, Caution: 2000, Cancel: 500},
	}
)

// hours is a forecast of n hours from hour0, each hour made by mk.
func hours(n int, mk func(i int, p *nws.Period)) *nws.Forecast {
	f := &nws.Forecast{GeneratedAt: hour0}
	for i := range n {
		p := nws.Period{Start: hour0.Add(time.Duration(i) * time.Hour), End: hour0.Add(time.Duration(i+1) * time.Hour), TempC: 18, WindKmh: 5, Short: "Sunny"}
		mk(i, &p)
		f.Periods = append(f.Periods, p)
	}
	return f
}

func ptr(v float64) *float64 { return &v }

func TestAssessAgainstTheActivityThresholds(t *testing.T) {
	start, end := hour0.Add(2*time.Hour), hour0.Add(5*time.Hour)
	for _, tc := range []struct {
		name    string
		f       *nws.Forecast
		alerts  []activeAlert
		want    string
		factors []string
	}{
		{"calm", hours(12, func(int, *nws.Period) {}), nil, Go, nil},
		{"wind at caution in one hour of the trip", hours(12, func(i int, p *nws.Period) {
			if i == 3 {
				p.WindKmh = 25
			}
		}), nil, Caution, []string{"wind_kmh"}},
		{"a gale before the trip does not count", hours(12, func(i int, p *nws.Period) {
			if i == 0 {
				p.WindKmh = 90
			}
		}), nil, Go, nil},
		{"thunder at 30 %", hours(12, func(i int, p *nws.Period) { p.Short, p.PrecipPct = "Chance Thunderstorms", 30 }), nil, Cancel, []string{"lightning_pct"}},
		{"rain without thunder is not lightning", hours(12, func(i int, p *nws.Period) { p.Short, p.PrecipPct = "Rain", 30 }), nil, Go, nil},
		{"gusts and fog", hours(12, func(i int, p *nws.Period) { p.GustKmh, p.VisibilityM = ptr(40), ptr(400) }), nil, Cancel, []string{"gust_kmh", "visibility_m"}},
		{"wind chill", hours(12, func(i int, p *nws.Period) { p.TempC, p.WindKmh = -8, 15 }), nil, Caution, []string{"cold_c"}},
		{"forecast ends mid-trip", hours(4, func(int, *nws.Period) {}), nil, Unassessed, []string{"unassessed"}},
		{"no forecast but a watch", nil, []activeAlert{{Type: "THUNDERSTORM", Severity: "WATCH", Effective: hour0, Expires: hour0.Add(10 * time.Hour)}},
			Caution, []string{"unassessed", "alert"}},
		{"an expired warning does not count", hours(12, func(int, *nws.Period) {}),
			[]activeAlert{{Type: "HIGH_WIND", Severity: "WARNING", Effective: hour0, Expires: hour0.Add(time.Hour)}}, Go, nil},
	} {
		got := assess(tc.f, tc.alerts, kayak, start, end)
		var factors []string
		for _, r := range got.Reasons {
			factors = append(factors, r.Factor)
		}
		if got.Recommendation != tc.want || len(factors) != len(tc.factors) {
			t.Errorf("%s: %s %v, want %s %v", tc.name, got.Recommendation, factors, tc.want, tc.factors)
			continue
		}
		for i := range factors {
			if factors[i] != tc.factors[i] {
				t.Errorf("%s: factors %v, want %v", tc.name, factors, tc.factors)
			}
		}
	}
}

// TestAssessIsMonotone is a property: making any hour's weather worse on one factor never
// makes the recommendation better.
func TestAssessIsMonotone(t *testing.T) {
	rank := map[string]int{Go: 0, Unassessed: 1, Caution: 2, Cancel: 3}
	rng := rand.New(rand.NewPCG(17, 35))
	for range 2000 {
		base := hours(8, func(_ int, p *nws.Period) {
			p.WindKmh, p.TempC, p.PrecipPct = rng.Float64()*50, rng.Float64()*40-20, rng.Float64()*100
			if rng.IntN(3) == 0 {
				p.Short = "Thunderstorms"
			}
		})
		worse := &nws.Forecast{Periods: append([]nws.Period(nil), base.Periods...)}
		h := rng.IntN(len(worse.Periods))
		switch rng.IntN(3) {
		case 0:
			worse.Periods[h].WindKmh += rng.Float64() * 40
		case 1:
			worse.Periods[h].PrecipPct = min(100, worse.Periods[h].PrecipPct+rng.Float64()*50)
		default:
			worse.Periods[h].TempC -= rng.Float64() * 20
		}
		a := assess(base, nil, kayak, hour0, hour0.Add(8*time.Hour))
		b := assess(worse, nil, kayak, hour0, hour0.Add(8*time.Hour))
		if rank[b.Recommendation] < rank[a.Recommendation] {
			t.Fatalf("worse weather improved %s to %s: %+v → %+v", a.Recommendation, b.Recommendation, base.Periods[h], worse.Periods[h])
		}
	}
}

// TestSameIgnoresValuesButNotLevels: a new forecast moving a value is no change; a factor
// changing level is.
func TestSameIgnoresValuesButNotLevels(t *testing.T) {
	a := assessment{Caution, []reason{{Factor: "wind_kmh", Level: Caution, Value: 22}}}
	if !a.same(assessment{Caution, []reason{{Factor: "wind_kmh", Level: Caution, Value: 27}}}) {
		t.Error("a moved value counted as a change")
	}
	if a.same(assessment{Caution, []reason{{Factor: "gust_kmh", Level: Caution}}}) {
		t.Error("another factor did not count as a change")
	}
}
