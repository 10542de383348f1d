package analytics

import (
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/novatrek/support/internal/platform/problem"
)

// FuzzParseWindow: any query string either gives a window inside the bounds (from ≤ to,
// at most maxWindowDays, a known bucket and dimension, a key only with a dimension) or a
// 400 problem naming at least one field; it never panics.
func FuzzParseWindow(f *testing.F) {
	for _, seed := range []string{"", "from=2026-01-01&to=2026-01-31", "bucket=month&by=trip&key=TRP-1",
		"from=2026-13-01", "to=2026-01-01&from=2026-02-01", "by=guest", "key=x", "from=1900-01-01&to=2999-12-31",
		"bucket=day&bucket=month", "from=%00", "from=2026-02-30"} {
		f.Add(seed)
	}
	today := time.Date(2026, 12, 7, 15, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, raw string) {
		if _, err := url.ParseQuery(raw); err != nil {
			return // not a query string a server would hand us
		}
		r := httptest.NewRequest("GET", "/v1/booking-trends?"+raw, nil)
		w, err := parseWindow(r, today)
		if err != nil {
			p, ok := err.(*problem.Problem)
			if !ok || p.Status != 400 {
				t.Fatalf("%q: error %v is not a 400 problem", raw, err)
			}
			return
		}
		if w.to.Before(w.from) || w.to.Sub(w.from) > (maxWindowDays+31)*24*time.Hour {
			t.Fatalf("%q: window %s..%s out of bounds", raw, w.from, w.to)
		}
		if (w.bucket != "day" && w.bucket != "month") || (w.key != "" && w.by == "all") {
			t.Fatalf("%q: window %+v", raw, w)
		}
	})
}
