package weather

import (
	"encoding/json"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/novatrek/support/processors/weather/nws"
)

// TestConditionsBodyIsWhatEncodingJSONWrites: the hand-written conditions answer equals,
// byte for byte, encoding/json's encoding of the map it replaced, over random cells (the
// poles, the antimeridian, -0), times, ages, locations (with characters JSON escapes) and
// observations (missing values, HTML-escaped text).
func TestConditionsBodyIsWhatEncodingJSONWrites(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	num := func() *float64 {
		if rng.IntN(4) == 0 {
			return nil
		}
		v := (rng.Float64() - 0.5) * 200
		return &v
	}
	points := []Point{{0, 0}, {-0.004, -0.004}, {90, 180}, {-90, -180}, {37.7456, -119.5936}, {0.005, 0.015}}
	for range 2000 {
		points = append(points, Point{(rng.Float64() - 0.5) * 180, (rng.Float64() - 0.5) * 360})
	}
	locs := []string{"", "LOC-YOSEMITE", `LOC-<a&b>"q"\é`, "LOC-\u2028"}
	texts := []string{"", "Partly Cloudy", "Rain & <Fog>", "Neige — légère \"sèche\""}
	for i, p := range points {
		o := nws.Observation{StationID: "K" + string(rune('A'+i%26)), Text: texts[i%len(texts)],
			ObservedAt: time.Unix(rng.Int64N(4e9), rng.Int64N(1e9)).UTC(),
			TempC:      num(), HumidityPct: num(), WindKmh: num(), GustKmh: num(), VisibilityM: num(), PrecipMM: num()}
		data, err := json.Marshal(o)
		if err != nil {
			t.Fatal(err)
		}
		obs, err := observationJSON(data)
		if err != nil {
			t.Fatal(err)
		}
		f := freshness{FetchedAt: time.Unix(rng.Int64N(4e9), rng.Int64N(1e9)*int64(rng.IntN(2))).UTC(),
			AgeSeconds: rng.Int64N(7200), Stale: rng.IntN(2) == 0}
		loc := locs[i%len(locs)]
		locJSON := null
		if loc != "" {
			locJSON, _ = json.Marshal(loc)
		}
		c := p.Cell()
		want, err := json.Marshal(map[string]any{"cell": cellJSON{c.Lat, c.Lon}, "location_id": nullable(loc),
			"freshness": f, "observation": o})
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, '\n')
		if got := conditionsBody(nil, c, f, locJSON, obs); string(got) != string(want) {
			t.Fatalf("point %v, location %q:\n got %s\nwant %s", p, loc, got, want)
		}
	}
}
