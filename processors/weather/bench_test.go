package weather

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/novatrek/support/internal/dev/fakes/nwsfake"
	"github.com/novatrek/support/internal/platform/outbound"
	"github.com/novatrek/support/internal/testkit/servicetest"
	"github.com/novatrek/support/internal/testkit/valkeytest"
	"github.com/novatrek/support/processors/weather/nws"
)

// percentile is the q-th percentile (0-100) of ds in milliseconds.
func percentile(ds []time.Duration, q int) float64 {
	s := slices.Clone(ds)
	slices.Sort(s)
	return float64(s[len(s)*q/100]) / float64(time.Millisecond)
}

// BenchmarkCachedConditionsRead: a cached current-conditions read through the HTTP API
// (edge, auth, Valkey GET, JSON), 2,000 in a row, beside a static HTTP handler and a raw
// Valkey GET of the same entry in the same run. Target: p99 ≤ 1 ms.
func BenchmarkCachedConditionsRead(b *testing.B) {
	svc := servicetest.Start(b, Spec, servicetest.WithoutWorkers("alerts", "assess"), servicetest.WithoutConsumer())
	path := conditionsPath(yosemite)
	if r := svc.Call(wildlife, "GET", path, nil); r.Status != 200 {
		b.Fatalf("warm-up: %d %s", r.Status, r.Body)
	}
	const n = 2000
	api := make([]time.Duration, n)
	raw := make([]time.Duration, n)
	// The floor of any HTTP answer on this machine: a handler writing a fixed body, called the
	// same way (new request, default client, body read).
	floor := make([]time.Duration, n)
	static := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"observation":{"station_id":"K0000"}}`)
	}))
	defer static.Close()
	vk := valkeytest.Client(b, servicetest.ValkeyDB)
	key := svc.State.fetch.cache.key("conditions", yosemite.Key())
	for b.Loop() {
		for i := range n {
			start := time.Now()
			if r := svc.Call(wildlife, "GET", path, nil); r.Status != 200 {
				b.Fatalf("read %d: %d", i, r.Status)
			}
			api[i] = time.Since(start)
		}
		for i := range n {
			start := time.Now()
			resp, err := http.Get(static.URL)
			if err != nil {
				b.Fatal(err)
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			floor[i] = time.Since(start)
		}
		for i := range n {
			start := time.Now()
			if err := vk.Do(context.Background(), vk.B().Get().Key(key).Build()).Error(); err != nil {
				b.Fatal(err)
			}
			raw[i] = time.Since(start)
		}
	}
	b.ReportMetric(percentile(api, 50), "api_p50_ms")
	b.ReportMetric(percentile(api, 99), "api_p99_ms")
	b.ReportMetric(percentile(floor, 99), "static_http_p99_ms")
	b.ReportMetric(percentile(raw, 50), "valkey_get_p50_ms")
	b.ReportMetric(percentile(raw, 99), "valkey_get_p99_ms")
	b.ReportMetric(0, "ns/op")
}

// BenchmarkColdMisses: 100 concurrent reads of a cold cell, five cells in turn, the
// provider answering each call in 20 ms; beside the same three-call chain (point, stations,
// latest observation) made directly with the provider client in the same run. Target:
// exactly one upstream chain per cell, p99 within the chain's latency + 5 ms.
func BenchmarkColdMisses(b *testing.B) {
	svc := servicetest.Start(b, Spec, servicetest.WithoutWorkers("alerts", "assess"), servicetest.WithoutConsumer())
	f := svc.Fakes.NWS()
	f.SetLatency(20 * time.Millisecond)
	const rounds, callers = 5, 100
	// A client keeping 100 connections open, warmed on a cached cell first, so that the
	// figure is the service's latency and not TCP connection setup.
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: callers, MaxConnsPerHost: callers}}
	get := func(p Point) (int, error) {
		req, _ := http.NewRequest("GET", svc.URL+conditionsPath(p), nil)
		req.Header.Set("Authorization", "Bearer "+servicetest.Token(wildlife))
		resp, err := hc.Do(req)
		if err != nil {
			return 0, err
		}
		defer resp.Body.Close()
		_, err = io.Copy(io.Discard, resp.Body)
		return resp.StatusCode, err
	}
	var warm sync.WaitGroup
	for range callers {
		warm.Go(func() { _, _ = get(yosemite) })
	}
	warm.Wait()
	var lat []time.Duration
	var chain []time.Duration
	for b.Loop() {
		for r := range rounds {
			cell := Point{40 + float64(r)*0.1, -105}
			before := f.Requests(nwsfake.KindObservations)
			var mu sync.Mutex
			var wg sync.WaitGroup
			for range callers {
				wg.Go(func() {
					start := time.Now()
					if status, err := get(cell); status != 200 {
						b.Errorf("cold read: %d %v", status, err)
					}
					mu.Lock()
					lat = append(lat, time.Since(start))
					mu.Unlock()
				})
			}
			wg.Wait()
			if got := f.Requests(nwsfake.KindObservations) - before; got != 1 {
				b.Fatalf("round %d: %d upstream observation calls for %d concurrent misses, want 1", r, got, callers)
			}
		}
		c, err := outbound.New(outbound.Config{Target: "provider", BaseURL: svc.Fakes.Env["WEATHER_PROVIDER_URL"]})
		if err != nil {
			b.Fatal(err)
		}
		client := &nws.Client{HTTP: c, UserAgent: "bench"}
		for r := range rounds * 4 {
			start := time.Now()
			g, _, err := client.Point(context.Background(), 41+float64(r)*0.1, -105)
			if err == nil {
				var st []nws.Station
				if st, _, err = client.Stations(context.Background(), g); err == nil {
					_, _, err = client.LatestObservation(context.Background(), st[0].ID)
				}
			}
			if err != nil {
				b.Fatal(err)
			}
			chain = append(chain, time.Since(start))
		}
	}
	b.ReportMetric(percentile(lat, 99), "cold_p99_ms")
	b.ReportMetric(percentile(chain, 99), "upstream_chain_p99_ms")
	b.ReportMetric(1, "upstream_chains_per_100_misses")
	b.ReportMetric(0, "ns/op")
}
