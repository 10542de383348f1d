package weather

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/novatrek/support/internal/dev/fakes/nwsfake"
	"github.com/novatrek/support/internal/testkit/servicetest"
	"github.com/novatrek/support/internal/testkit/valkeytest"
)

// TestBadInputIsA400NamingTheField: out-of-range or missing coordinates, a bad time, a
// range over 31 days; an unknown area is a 404; the callers are the spec's.
func TestBadInputIsA400NamingTheField(t *testing.T) {
	t.Parallel()
	svc, _, _ := started(t, servicetest.WithoutConsumer())
	from := time.Now().UTC().Add(-40 * 24 * time.Hour).Format(time.RFC3339)
	to := time.Now().UTC().Format(time.RFC3339)
	for _, tc := range []struct {
		caller, path string
		status       int
		field        string
	}{
		{wildlife, "/v1/conditions?lat=91&lon=0", 400, `"field":"lat"`},
		{wildlife, "/v1/conditions?lat=10&lon=-180.5", 400, `"field":"lon"`},
		{wildlife, "/v1/conditions?lat=10", 400, `"field":"lon"`},
		{wildlife, "/v1/conditions?lat=NaN&lon=3", 400, `"field":"lat"`},
		{scheduling, "/v1/forecast?lat=10&lon=10&hours=500", 400, `"field":"hours"`},
		{scheduling, "/v1/forecast?location_id=LOC-NOWHERE", 404, `LOC-NOWHERE`},
		{trails, "/v1/history?location_id=LOC-MOAB&from=" + url.QueryEscape(from) + "&to=" + url.QueryEscape(to), 400, `"field":"to"`},
		{trails, "/v1/history?location_id=LOC-MOAB&from=yesterday&to=" + url.QueryEscape(to), 400, `"field":"from"`},
		{trails, "/v1/history?location_id=LOC-MOAB&from=" + url.QueryEscape(to) + "&to=" + url.QueryEscape(to), 400, `"field":"to"`},
		{scheduling, "/v1/alerts?lat=10&lon=10&radius_km=-1", 400, `"field":"radius_km"`},
		{wildlife, "/v1/forecast?lat=10&lon=10", 403, `"permission":"weather:forecast:read"`},
		{wildlife, "/v1/history?lat=10&lon=10&from=x&to=y", 403, `"permission":"weather:history:read"`},
		{wildlife, "/v1/alerts?lat=10&lon=10", 403, `"permission":"weather:alerts:read"`},
		{"", "/v1/stations?lat=10&lon=10", 401, `unauthenticated`},
	} {
		r := svc.Call(tc.caller, "GET", tc.path, nil)
		if r.Status != tc.status || !strings.Contains(string(r.Body), tc.field) {
			t.Errorf("GET %s as %q = %d %s; want %d with %s", tc.path, tc.caller, r.Status, r.Body, tc.status, tc.field)
		}
	}
}

// TestForecastSurvivesAColdValkey: a forecast read once is kept in forecast_cache, so after
// Valkey loses everything (and the service restarts) the next read is answered without
// asking the provider; conditions, which live only in Valkey, are fetched again.
func TestForecastSurvivesAColdValkey(t *testing.T) {
	t.Parallel()
	svc, f, _ := started(t)
	path := "/v1/forecast?location_id=LOC-MOAB&hours=6"
	var body struct {
		Periods []map[string]any `json:"periods"`
	}
	first := svc.Call(scheduling, "GET", path, nil)
	first.JSON(t, &body)
	if first.Status != 200 || len(body.Periods) != 6 || f.Requests(nwsfake.KindForecast) != 1 {
		t.Fatalf("first forecast: %d %s, %d forecast calls", first.Status, first.Body, f.Requests(nwsfake.KindForecast))
	}
	settled(t, svc)
	vk := valkeytest.Client(t, servicetest.ValkeyDB)
	prefix := svc.State.fetch.cache.prefix
	keys, err := vk.Do(context.Background(), vk.B().Keys().Pattern(prefix+"*").Build()).AsStrSlice()
	if err != nil || len(keys) == 0 {
		t.Fatalf("keys under the service's prefix: %v, %v", keys, err)
	}
	valkeytest.Clear(t, vk, keys...)
	svc.Restart()
	again := svc.Call(scheduling, "GET", path, nil)
	if again.Status != 200 || f.Requests(nwsfake.KindForecast) != 1 || f.Requests(nwsfake.KindPoints) != 1 {
		t.Errorf("after a cold Valkey: %d, %d forecast and %d point calls; want the forecast from PostgreSQL",
			again.Status, f.Requests(nwsfake.KindForecast), f.Requests(nwsfake.KindPoints))
	}
}

// TestHistoryStationsAndAlertsAnswer: the read-only endpoints answer what the service has
// learnt: the station and observation of a read, in the range asked.
func TestHistoryStationsAndAlertsAnswer(t *testing.T) {
	t.Parallel()
	svc, _, _ := started(t)
	if r := svc.Call(wildlife, "GET", conditionsPath(yosemite), nil); r.Status != 200 {
		t.Fatalf("conditions: %d %s", r.Status, r.Body)
	}
	settled(t, svc)
	var st struct {
		Stations []stationJSON `json:"stations"`
	}
	svc.Call(trails, "GET", fmt.Sprintf("/v1/stations?lat=%f&lon=%f&radius_km=10", yosemite.Lat, yosemite.Lon), nil).JSON(t, &st)
	x, y := nwsfake.Grid(yosemite.Cell().Lat, yosemite.Cell().Lon)
	if len(st.Stations) != 1 || st.Stations[0].ID != nwsfake.StationID(x, y) {
		t.Errorf("stations = %+v", st.Stations)
	}
	from := time.Now().UTC().Add(-2 * time.Hour).Format(time.RFC3339)
	to := time.Now().UTC().Add(time.Hour).Format(time.RFC3339)
	var h struct {
		Observations []map[string]any `json:"observations"`
		Alerts       []alertJSON      `json:"alerts"`
	}
	r := svc.Call(trails, "GET", "/v1/history?location_id=LOC-YOSEMITE-VALLEY&from="+url.QueryEscape(from)+"&to="+url.QueryEscape(to), nil)
	r.JSON(t, &h)
	if r.Status != 200 || len(h.Observations) != 1 || h.Observations[0]["station_id"] != st.Stations[0].ID || len(h.Alerts) != 0 {
		t.Errorf("history: %d %s", r.Status, r.Body)
	}
}
