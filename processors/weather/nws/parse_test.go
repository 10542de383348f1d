package nws

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/novatrek/support/internal/platform/outbound"
)

// FuzzForecast: any body either is refused as ErrMalformed or gives periods in order with
// values in range; never a panic. Seeds: testdata/fuzz/FuzzForecast.
func FuzzForecast(f *testing.F) {
	f.Add([]byte(`{"properties":{"periods":[{"startTime":"2026-07-01T12:00:00Z","endTime":"2026-07-01T13:00:00Z","temperature":70,"temperatureUnit":"F","windSpeed":"5 to 10 mph","windGust":"20 mph","probabilityOfPrecipitation":{"value":20}}]}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var body forecastBody
		if json.Unmarshal(data, &body) != nil {
			return
		}
		fc, err := body.forecast()
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error %v is not ErrMalformed", err)
			}
			return
		}
		for _, p := range fc.Periods {
			if !p.End.After(p.Start) || p.WindKmh < 0 || p.PrecipPct < 0 || p.PrecipPct > 100 {
				t.Fatalf("accepted period %+v", p)
			}
		}
	})
}

// FuzzAlerts: any body either is refused as ErrMalformed or gives messages with an
// identity, a known type and polygons on the globe; never a panic. Seeds:
// testdata/fuzz/FuzzAlerts.
func FuzzAlerts(f *testing.F) {
	f.Add([]byte(`{"features":[{"geometry":{"type":"Polygon","coordinates":[[[-119.6,37.7],[-119.5,37.7],[-119.5,37.8],[-119.6,37.7]]]},"properties":{"id":"urn:oid:1","sender":"w-nws","messageType":"Update","references":[{"identifier":"urn:oid:0","sender":"w-nws"}],"sent":"2026-07-01T12:00:00Z","expires":"2026-07-01T18:00:00Z"}}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var body alertsBody
		if json.Unmarshal(data, &body) != nil {
			return
		}
		alerts, err := body.alerts()
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error %v is not ErrMalformed", err)
			}
			return
		}
		for _, a := range alerts {
			if a.Identifier == "" || a.Sender == "" || (a.MessageType != "Alert" && a.MessageType != "Update" && a.MessageType != "Cancel") {
				t.Fatalf("accepted alert %+v", a)
			}
			for _, v := range a.Ring {
				if len(v) < 2 || v[1] < -90 || v[1] > 90 {
					t.Fatalf("accepted polygon %v", a.Ring)
				}
			}
		}
	})
}

func TestFreshnessPrefersMaxAgeThenExpires(t *testing.T) {
	now := time.Date(2026, 7, 1, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		cc, expires string
		want        time.Duration
	}{
		{"public, max-age=300", "", 5 * time.Minute},
		{"public, max-age=60", now.Add(time.Hour).Format(http.TimeFormat), time.Minute},
		{"", now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second},
		{"no-store", now.Add(time.Hour).Format(http.TimeFormat), 0},
		{"", now.Add(-time.Hour).Format(http.TimeFormat), 0},
		{"max-age=abc", "", 0},
	} {
		h := http.Header{}
		if tc.cc != "" {
			h.Set("Cache-Control", tc.cc)
		}
		if tc.expires != "" {
			h.Set("Expires", tc.expires)
		}
		if got := freshness(h, now); got != tc.want {
			t.Errorf("Cache-Control %q Expires %q: %s, want %s", tc.cc, tc.expires, got, tc.want)
		}
	}
}

func TestSpeedKmh(t *testing.T) {
	for in, want := range map[string]float64{"10 mph": 16.1, "5 to 10 mph": 16.1, "15 km/h": 15} {
		if got, err := speedKmh(in); err != nil || got != want {
			t.Errorf("%q: %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "calm", "10 knots", "NaN mph", "-5 mph"} {
		if _, err := speedKmh(in); err == nil {
			t.Errorf("%q was accepted", in)
		}
	}
}

// TestLinksFollowTheConfiguredProvider: an absolute link stored from an earlier provider
// address (a dev fake's old port) is followed on the configured provider, path and query
// kept.
func TestLinksFollowTheConfiguredProvider(t *testing.T) {
	var got string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.URL.RequestURI()
		w.Header().Set("Content-Type", "application/geo+json")
		w.Write([]byte(`{}`))
	}))
	defer srv.Close()
	out, err := outbound.New(outbound.Config{Target: "provider", BaseURL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	c := &Client{HTTP: out, UserAgent: "test"}
	var v map[string]any
	if _, err := c.get(context.Background(), "http://127.0.0.1:1/gridpoints/TOP/31,80/forecast/hourly?units=si", &v); err != nil {
		t.Fatalf("a stale absolute link: %v", err)
	}
	if got != "/gridpoints/TOP/31,80/forecast/hourly?units=si" {
		t.Errorf("the provider saw %q, want the link's path and query", got)
	}
}
