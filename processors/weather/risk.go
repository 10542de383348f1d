package weather

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/novatrek/support/processors/weather/nws"
)

// Recommendations, worst last.
const (
	Go         = "GO"
	Caution    = "CAUTION"
	Cancel     = "CANCEL_RECOMMENDED"
	Unassessed = "UNASSESSED"
)

// threshold is one row of risk_thresholds.
type threshold struct {
	Factor          string
	Below           bool
	Caution, Cancel float64
}

// reason is one factor at caution or worse (or why there is no assessment).
type reason struct {
	Factor    string  `json:"factor"`
	Level     string  `json:"level"`
	Value     float64 `json:"value"`
	Threshold float64 `json:"threshold"`
	Detail    string  `json:"detail"`
}

// activeAlert is an alert in force at a departure's location.
type activeAlert struct {
	Type, Severity, Headline string
	Effective, Expires       time.Time
}

// assessment is a departure's recommendation and why.
type assessment struct {
	Recommendation string
	Reasons        []reason
}

// same reports whether a and b say the same: the recommendation and the factors behind it
// (values move with every forecast; only a factor entering or leaving, or changing level,
// is a change worth an event).
func (a assessment) same(b assessment) bool {
	key := func(x assessment) []string {
		var k []string
		for _, r := range x.Reasons {
			k = append(k, r.Factor+"="+r.Level)
		}
		slices.Sort(k)
		return k
	}
	return a.Recommendation == b.Recommendation && slices.Equal(key(a), key(b))
}

// assess judges the hours of [start, end) in the forecast, and the alerts in force then,
// against the thresholds. Hours the forecast does not cover make it UNASSESSED: a
// recommendation over part of a trip would read as a clean bill for the rest.
func assess(f *nws.Forecast, alerts []activeAlert, th []threshold, start, end time.Time) assessment {
	var hours []nws.Period
	covered := start
	if f != nil {
		for _, p := range f.Periods {
			if p.End.After(start) && p.Start.Before(end) {
				hours = append(hours, p)
				if !p.Start.After(covered) && p.End.After(covered) {
					covered = p.End
				}
			}
		}
	}
	out := assessment{Recommendation: Go}
	if f == nil || covered.Before(end) {
		out = assessment{Recommendation: Unassessed, Reasons: []reason{{Factor: "unassessed", Level: Unassessed,
			Detail: "the forecast does not cover the departure yet"}}}
	}
	if out.Recommendation == Go {
		for _, t := range th {
			worst, at, ok := worstOf(hours, t)
			if !ok {
				continue
			}
			level := ""
			switch {
			case reaches(worst, t.Cancel, t.Below):
				level = Cancel
			case reaches(worst, t.Caution, t.Below):
				level = Caution
			default:
				continue
			}
			limit := t.Caution
			if level == Cancel {
				limit = t.Cancel
			}
			out.Reasons = append(out.Reasons, reason{Factor: t.Factor, Level: level, Value: math.Round(worst*10) / 10,
				Threshold: limit, Detail: "forecast for " + at.Format(time.RFC3339)})
		}
	}
	for _, al := range alerts {
		if !al.Effective.Before(end) || !al.Expires.After(start) {
			continue
		}
		level := Caution
		if al.Severity == "WARNING" || al.Severity == "EMERGENCY" {
			level = Cancel
		}
		out.Reasons = append(out.Reasons, reason{Factor: "alert", Level: level, Detail: al.Type + " " + al.Severity + ": " + al.Headline})
	}
	for _, r := range out.Reasons {
		out.Recommendation = worse(out.Recommendation, r.Level)
	}
	return out
}

// worse is the worse of two recommendations; UNASSESSED yields to any alert's level, since
// an alert is known even without a forecast.
func worse(a, b string) string {
	rank := map[string]int{Go: 0, Unassessed: 1, Caution: 2, Cancel: 3}
	if rank[b] > rank[a] {
		return b
	}
	return a
}

func reaches(v, limit float64, below bool) bool {
	if below {
		return v <= limit
	}
	return v >= limit
}

// worstOf is the worst value of t's factor over the hours, and the hour it occurs; false
// when no hour forecasts the factor.
func worstOf(hours []nws.Period, t threshold) (float64, time.Time, bool) {
	var worst float64
	var at time.Time
	found := false
	for _, p := range hours {
		v, ok := factor(p, t.Factor)
		if !ok {
			continue
		}
		if !found || (t.Below && v < worst) || (!t.Below && v > worst) {
			worst, at, found = v, p.Start, true
		}
	}
	return worst, at, found
}

// factor is one hour's value of a factor.
func factor(p nws.Period, name string) (float64, bool) {
	switch name {
	case "wind_kmh":
		return p.WindKmh, true
	case "gust_kmh":
		if p.GustKmh == nil {
			return 0, false
		}
		return *p.GustKmh, true
	case "precip_pct":
		return p.PrecipPct, true
	case "lightning_pct":
		// The forecast gives no lightning probability; a thunderstorm in the text makes the
		// precipitation probability the lightning one.
		if strings.Contains(strings.ToLower(p.Short), "thunder") {
			return p.PrecipPct, true
		}
		return 0, true
	case "heat_index_c":
		if p.HumidityPct == nil {
			return p.TempC, true
		}
		return heatIndexC(p.TempC, *p.HumidityPct), true
	case "cold_c":
		return windChillC(p.TempC, p.WindKmh), true
	case "visibility_m":
		if p.VisibilityM == nil {
			return 0, false
		}
		return *p.VisibilityM, true
	}
	panic(fmt.Sprintf("weather: unknown risk factor %q (risk_thresholds' CHECK lists the known ones)", name))
}

// heatIndexC is the NWS heat index (Rothfusz regression, in °F) for temperatures above
// 27 °C; below that the temperature itself.
func heatIndexC(tc, rh float64) float64 {
	if tc < 27 {
		return tc
	}
	t := tc*9/5 + 32
	hi := -42.379 + 2.04901523*t + 10.14333127*rh - 0.22475541*t*rh - 0.00683783*t*t -
		0.05481717*rh*rh + 0.00122874*t*t*rh + 0.00085282*t*rh*rh - 0.00000199*t*t*rh*rh
	return (hi - 32) * 5 / 9
}

// windChillC is the NWS/Environment Canada wind chill for temperatures at or below 10 °C
// and wind above 4.8 km/h; otherwise the temperature.
func windChillC(tc, kmh float64) float64 {
	if tc > 10 || kmh <= 4.8 {
		return tc
	}
	v := math.Pow(kmh, 0.16)
	return 13.12 + 0.6215*tc - 11.37*v + 0.3965*tc*v
}
