package nwsfake

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

func get(t *testing.T, url string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("User-Agent", "nwsfake-test")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

// TestFakeFollowsThePointToGridToForecastChain: the point's links lead to an hourly forecast
// with the pinned weather in the API's units, and every injected failure mode answers as
// the real API would, each counted.
func TestFakeFollowsThePointToGridToForecastChain(t *testing.T) {
	f := New()
	srv := httptest.NewServer(f.Handler())
	defer srv.Close()
	f.SetWeather(37.7456, -119.5936, Weather{TempC: 30, WindKmh: 40, GustKmh: 80, PrecipPct: 60, Thunder: true})

	var point struct {
		Properties struct{ ForecastHourly, ObservationStations string } `json:"properties"`
	}
	if err := json.NewDecoder(get(t, srv.URL+"/points/37.7456,-119.5936").Body).Decode(&point); err != nil {
		t.Fatal(err)
	}
	var fc struct {
		Properties struct {
			Periods []struct {
				Temperature   float64
				WindSpeed     string
				WindGust      *string
				ShortForecast string
			}
		}
	}
	resp := get(t, point.Properties.ForecastHourly)
	if err := json.NewDecoder(resp.Body).Decode(&fc); err != nil {
		t.Fatal(err)
	}
	p := fc.Properties.Periods
	if len(p) != ForecastHours || p[0].Temperature != 86 || p[0].WindSpeed != "25 mph" || p[0].WindGust == nil ||
		*p[0].WindGust != "50 mph" || p[0].ShortForecast != "Chance Showers And Thunderstorms" {
		t.Errorf("forecast: %d periods, first %+v", len(p), p[0])
	}
	if resp.Header.Get("Cache-Control") != "public, max-age=300" || resp.Header.Get("Expires") == "" {
		t.Errorf("cache headers %v", resp.Header)
	}

	f.ThrottleNext(1, 7*time.Second)
	if r := get(t, point.Properties.ForecastHourly); r.StatusCode != 429 || r.Header.Get("Retry-After") != "7" {
		t.Errorf("throttled: %d Retry-After %q", r.StatusCode, r.Header.Get("Retry-After"))
	}
	f.FailNext(1, 502)
	if r := get(t, point.Properties.ForecastHourly); r.StatusCode != 502 {
		t.Errorf("injected 5xx: %d", r.StatusCode)
	}
	f.MalformedNext(1)
	if err := json.NewDecoder(get(t, point.Properties.ForecastHourly).Body).Decode(&fc); err == nil {
		t.Error("a malformed answer decoded")
	}
	if r, _ := http.Get(srv.URL + "/points/37.7456,-119.5936"); r.StatusCode != http.StatusForbidden {
		t.Errorf("no User-Agent: %d, want 403", r.StatusCode)
	}
	if r := get(t, srv.URL+"/points/37.74561,-119.5936"); r.StatusCode != http.StatusBadRequest {
		t.Errorf("5 decimals: %d, want 400", r.StatusCode)
	}
	if n := f.Requests(KindForecast); n != 4 {
		t.Errorf("%d forecast requests counted, want 4", n)
	}
}
