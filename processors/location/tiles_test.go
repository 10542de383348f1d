package location

import (
	"fmt"
	"math"
	"net/http"
	"slices"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/maptile"

	"github.com/novatrek/support/internal/testkit/servicetest"
)

// TestMapTileDecodesWithTheExpectedFeatures: the z12 tile over a camp decodes (orb's MVT
// decoder) into the layer "locations" with the camp and the trail crossing it, projected back
// to where they are, and not the site in the next tile; its ETag answers 304 until a location
// changes, then the tile carries the change under a new ETag.
func TestMapTileDecodesWithTheExpectedFeatures(t *testing.T) {
	t.Parallel()
	svc := start(t, servicetest.WithoutConsumer())
	camp := orb.Point{-105.6, 40.3}
	tile := maptile.At(camp, 12)
	put(t, svc, "camp", site("Camp", camp.Lat(), camp.Lon(), 30))
	put(t, svc, "trail", map[string]any{"name": "Ridge Trail", "kind": "trail", "time_zone": "America/Denver",
		"geometry": map[string]any{"type": "LineString", "coordinates": [][]float64{{-105.62, 40.29}, {-105.6, 40.3}, {-105.58, 40.31}}}})
	put(t, svc, "elsewhere", site("Elsewhere", 40.3, -105.0, 5)) // ~50 km east: another z12 tile

	path := fmt.Sprintf("/v1/tiles/%d/%d/%d.mvt", tile.Z, tile.X, tile.Y)
	resp := svc.Call(CallerTrails, "GET", path, nil)
	if resp.Status != http.StatusOK || resp.Header.Get("Content-Type") != tileContentType || resp.Header.Get("Cache-Control") != "public, max-age=60" {
		t.Fatalf("GET %s = %d %v", path, resp.Status, resp.Header)
	}
	layers, err := mvt.Unmarshal(resp.Body)
	if err != nil {
		t.Fatalf("decode tile: %v", err)
	}
	layers.ProjectToWGS84(tile)
	if len(layers) != 1 || layers[0].Name != tileLayer {
		t.Fatalf("layers = %v, want one %q", layers, tileLayer)
	}
	var ids []string
	for _, f := range layers[0].Features {
		id, _ := f.Properties["location_id"].(string)
		ids = append(ids, id)
		if id == "camp" {
			p, ok := f.Geometry.(orb.Point)
			// 4096 units over a z12 tile (~7 km) is about 2 m: the decoded point is the camp.
			if !ok || math.Abs(p.Lon()-camp.Lon()) > 1e-4 || math.Abs(p.Lat()-camp.Lat()) > 1e-4 ||
				f.Properties["name"] != "Camp" || f.Properties["kind"] != "site" || f.Properties["capacity"] != float64(30) {
				t.Errorf("camp feature = %T %v %v", f.Geometry, f.Geometry, f.Properties)
			}
		}
		if id == "trail" {
			if _, ok := f.Geometry.(orb.LineString); !ok {
				t.Errorf("trail feature is a %T", f.Geometry)
			}
		}
	}
	slices.Sort(ids)
	if !slices.Equal(ids, []string{"camp", "trail"}) {
		t.Errorf("features = %v, want camp and trail", ids)
	}

	etag := resp.Header.Get("ETag")
	if again := svc.Call(CallerTrails, "GET", path, nil, "If-None-Match", etag); again.Status != http.StatusNotModified || len(again.Body) != 0 {
		t.Errorf("revalidation with %s = %d", etag, again.Status)
	}
	put(t, svc, "camp", site("Camp Renamed", camp.Lat(), camp.Lon(), 30))
	changed := svc.Call(CallerTrails, "GET", path, nil, "If-None-Match", etag)
	if changed.Status != http.StatusOK || changed.Header.Get("ETag") == etag {
		t.Fatalf("after a change: %d with ETag %s (was %s)", changed.Status, changed.Header.Get("ETag"), etag)
	}
	layers, err = mvt.Unmarshal(changed.Body)
	if err != nil {
		t.Fatal(err)
	}
	renamed := false
	for _, f := range layers[0].Features {
		renamed = renamed || f.Properties["name"] == "Camp Renamed"
	}
	if !renamed {
		t.Error("the tile after the change does not carry the new name")
	}

	empty := svc.Call(CallerTrails, "GET", "/v1/tiles/12/0/0.mvt", nil)
	if layers, err := mvt.Unmarshal(empty.Body); empty.Status != http.StatusOK || err != nil || len(layers) != 0 {
		t.Errorf("a tile without locations = %d, %d layers, %v", empty.Status, len(layers), err)
	}
}

// TestTrailCoordinatesSimplifyByZoom: the full line keeps every point; at a low zoom the
// simplification (one pixel) drops the wiggles; the length is the full trail's either way.
func TestTrailCoordinatesSimplifyByZoom(t *testing.T) {
	t.Parallel()
	svc := start(t, servicetest.WithoutConsumer())
	var line [][]float64
	for i := range 201 { // a 2 km zig-zag with 10 m wiggles
		line = append(line, []float64{-105.5 + float64(i)*0.0001, 40 + 0.0001*float64(i%2)})
	}
	put(t, svc, "zigzag", map[string]any{"name": "Zigzag", "kind": "trail", "time_zone": "America/Denver",
		"geometry": map[string]any{"type": "LineString", "coordinates": line}})
	get := func(q string) TrailCoordinates {
		resp := svc.Call(CallerTrails, "GET", "/v1/trails/zigzag/coordinates"+q, nil)
		var tc TrailCoordinates
		resp.JSON(t, &tc)
		if resp.Status != http.StatusOK {
			t.Fatalf("trail%s = %d %s", q, resp.Status, resp.Body)
		}
		return tc
	}
	full, z10, z20 := get(""), get("?zoom=10"), get("?zoom=20")
	if full.Points != 201 || z20.Points != 201 || z10.Points >= 10 || z10.Points < 2 {
		t.Errorf("points: full %d, z20 %d, z10 %d; want 201, 201 and a straight line", full.Points, z20.Points, z10.Points)
	}
	if full.LengthMeters != z10.LengthMeters || full.LengthMeters < 2000 {
		t.Errorf("length full %.1f m, z10 %.1f m", full.LengthMeters, z10.LengthMeters)
	}
	if resp := svc.Call(CallerTrails, "GET", "/v1/trails/nope/coordinates", nil); resp.Status != http.StatusNotFound {
		t.Errorf("unknown trail = %d", resp.Status)
	}
}
