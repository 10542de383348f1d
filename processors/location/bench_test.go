package location

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"

	"github.com/novatrek/support/internal/testkit/servicetest"
)

// benchLocations is the size: 100,000 locations, spread over Colorado (37–41 N,
// 109–102 W), about 20 to a z12 tile.
const benchLocations = 100_000

// BenchmarkLocationQueries seeds 100,000 locations and measures, one request at a time over
// HTTP through the whole edge (authentication, card screen, metrics), the three reads the
// issue sets targets for: nearby k=10 (p99 ≤ 5 ms), the capacity check (≤ 2 ms) and a z12
// tile (≤ 30 ms). Beside each, in the same run, its baseline straight on PostgreSQL: the
// brute-force nearest-ten scan (distance to every row, no index), a primary-key read, and
// the same tile built by a sequential scan.
func BenchmarkLocationQueries(b *testing.B) {
	svc := servicetest.Start(b, Spec, servicetest.WithoutConsumer(), servicetest.WithoutRelay())
	ctx := b.Context()
	if _, err := svc.DB.Exec(ctx, `INSERT INTO locations.locations (location_id, name, kind, geom, time_zone, time_zone_source, capacity, occupancy)
		SELECT 'loc-' || i, 'Location ' || i, 'site', ST_SetSRID(ST_MakePoint(-109 + random() * 7, 37 + random() * 4), 4326),
			'America/Denver', 'override', 100, (random() * 80)::int
		FROM generate_series(1, $1) i`, benchLocations); err != nil {
		b.Fatal(err)
	}
	if _, err := svc.DB.Exec(ctx, `ANALYZE locations.locations`); err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(12, 16))
	point := func() orb.Point { return orb.Point{-109 + rng.Float64()*7, 37 + rng.Float64()*4} }
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
	get := func(path string) time.Duration {
		req, _ := http.NewRequestWithContext(ctx, "GET", svc.URL+path, nil)
		req.Header.Set("Authorization", "Bearer "+servicetest.Token(CallerScheduling))
		start := time.Now()
		resp, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		buf := make([]byte, 32<<10)
		for {
			if _, err := resp.Body.Read(buf); err != nil {
				break
			}
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			b.Fatalf("GET %s = %d", path, resp.StatusCode)
		}
		return time.Since(start)
	}
	sql := func(query string, args ...any) time.Duration {
		start := time.Now()
		rows, err := svc.DB.Query(ctx, query, args...)
		if err != nil {
			b.Fatal(err)
		}
		for rows.Next() {
		}
		if err := rows.Err(); err != nil {
			b.Fatal(err)
		}
		return time.Since(start)
	}
	measure := func(n int, one func() time.Duration) (p50, p99 float64) {
		for range min(n/10, 20) { // warm the pools, plans and caches
			one()
		}
		d := make([]time.Duration, n)
		for i := range d {
			d[i] = one()
		}
		slices.Sort(d)
		ms := func(q float64) float64 { return float64(d[int(q*float64(n-1))].Microseconds()) / 1000 }
		return ms(0.5), ms(0.99)
	}
	tilePath := func() string {
		t := maptile.At(point(), 12)
		return fmt.Sprintf("/v1/tiles/12/%d/%d.mvt", t.X, t.Y)
	}

	b.ResetTimer()
	for range b.N {
		nearP50, nearP99 := measure(2000, func() time.Duration {
			p := point()
			return get(fmt.Sprintf("/v1/nearby?lat=%.6f&lon=%.6f&k=10", p.Lat(), p.Lon()))
		})
		bruteP50, bruteP99 := measure(30, func() time.Duration {
			p := point()
			return sql(`SELECT location_id FROM locations.locations
				ORDER BY ST_Distance(geom::geography, ST_SetSRID(ST_MakePoint($1, $2), 4326)::geography, false) LIMIT 10`, p.Lon(), p.Lat())
		})
		capP50, capP99 := measure(2000, func() time.Duration {
			return get(fmt.Sprintf("/v1/locations/loc-%d/capacity?party_size=4", 1+rng.IntN(benchLocations)))
		})
		pkP50, pkP99 := measure(2000, func() time.Duration {
			return sql(`SELECT occupancy FROM locations.locations WHERE location_id = $1`, fmt.Sprint("loc-", 1+rng.IntN(benchLocations)))
		})
		tileP50, tileP99 := measure(500, func() time.Duration { return get(tilePath()) })
		seqP50, seqP99 := measure(30, func() time.Duration {
			t := maptile.At(point(), 12)
			return sql(`SELECT ST_AsMVT(f.*, 'locations', 4096, 'geom') FROM (
				SELECT ST_AsMVTGeom(ST_Transform(geom, 3857), ST_TileEnvelope(12, $1, $2), 4096, 64, true) AS geom, location_id, name
				FROM locations.locations WHERE ST_Intersects(ST_Transform(geom, 3857), ST_TileEnvelope(12, $1, $2))) f`, int(t.X), int(t.Y))
		})
		for _, m := range []struct {
			name     string
			p50, p99 float64
		}{
			{"nearby", nearP50, nearP99}, {"bruteforce_nearby", bruteP50, bruteP99},
			{"capacity", capP50, capP99}, {"pk_read", pkP50, pkP99},
			{"tile_z12", tileP50, tileP99}, {"seqscan_tile", seqP50, seqP99},
		} {
			b.ReportMetric(m.p50, m.name+"_p50_ms")
			b.ReportMetric(m.p99, m.name+"_p99_ms")
		}
	}
}
