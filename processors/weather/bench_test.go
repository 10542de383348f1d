package weather

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/novatrek/support/internal/dev/fakes/nwsfake"
	"github.com/novatrek/support/internal/platform/outbound"
	"github.com/novatrek/support/internal/testkit/cpustat"
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
// (edge, auth, Valkey client-side cache, JSON), 2,000 times, beside a static HTTP handler
// and a raw Valkey GET of the same entry in the same run. The three are interleaved (one of
// each in turn), so that a burst of load on a shared machine falls on all three alike.
// Target: p99 ≤ 1 ms. Then the CPU time and the allocations of 2,000 reads of each HTTP
// kind in a row (client and server, this process): figures that hold still under load.
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
	read := func() {
		if r := svc.Call(wildlife, "GET", path, nil); r.Status != 200 {
			b.Fatalf("read: %d %s", r.Status, r.Body)
		}
	}
	staticRead := func() {
		resp, err := http.Get(static.URL)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	timed := func(fn func()) time.Duration {
		start := time.Now()
		fn()
		return time.Since(start)
	}
	// cost is the process CPU time and the allocations per call of n calls of fn.
	cost := func(fn func()) (cpuMicros, allocs float64) {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		cpu := cpustat.Process()
		for range n {
			fn()
		}
		cpu = cpustat.Process() - cpu
		runtime.ReadMemStats(&after)
		return float64(cpu/time.Microsecond) / n, float64(after.Mallocs-before.Mallocs) / n
	}
	var apiCPU, apiAllocs, staticCPU, staticAllocs float64
	for b.Loop() {
		for i := range n {
			api[i] = timed(read)
			floor[i] = timed(staticRead)
			raw[i] = timed(func() {
				if err := vk.Do(context.Background(), vk.B().Get().Key(key).Build()).Error(); err != nil {
					b.Fatal(err)
				}
			})
		}
		apiCPU, apiAllocs = cost(read)
		staticCPU, staticAllocs = cost(staticRead)
	}
	b.ReportMetric(percentile(api, 50), "api_p50_ms")
	b.ReportMetric(percentile(api, 99), "api_p99_ms")
	b.ReportMetric(percentile(floor, 50), "static_http_p50_ms")
	b.ReportMetric(percentile(floor, 99), "static_http_p99_ms")
	b.ReportMetric(percentile(raw, 50), "valkey_get_p50_ms")
	b.ReportMetric(percentile(raw, 99), "valkey_get_p99_ms")
	b.ReportMetric(apiCPU, "api_cpu_us/read")
	b.ReportMetric(staticCPU, "static_http_cpu_us/read")
	b.ReportMetric(apiAllocs, "api_allocs/read")
	b.ReportMetric(staticAllocs, "static_http_allocs/read")
	b.ReportMetric(0, "ns/op")
}

// BenchmarkColdMisses: 100 concurrent reads of a cold cell, five cells in turn, the
// provider answering each call in 20 ms; after each round, the same three-call chain
// (point, stations, latest observation) made four times directly with the provider client,
// so that the baseline meets the same load as the rounds. Target: exactly one upstream chain
// per cell, p99 within the chain's latency + 5 ms. Also the process CPU time per round
// (100 answers), which holds still under load, and where a round's time goes (missStages).
func BenchmarkColdMisses(b *testing.B) {
	// A budget for any -benchtime: each round is three provider calls.
	svc := servicetest.Start(b, Spec, servicetest.WithoutWorkers("alerts", "assess"), servicetest.WithoutConsumer(),
		servicetest.WithEnv("WEATHER_UPSTREAM_BURST", "100000"))
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
	stages := &missStages{}
	svc.State.fetch.trace = stages.add
	var warm sync.WaitGroup
	for range callers {
		warm.Go(func() { _, _ = get(yosemite) })
	}
	warm.Wait()
	settled(b, svc)
	c, err := outbound.New(outbound.Config{Target: "provider", BaseURL: svc.Fakes.Env["WEATHER_PROVIDER_URL"]})
	if err != nil {
		b.Fatal(err)
	}
	client := &nws.Client{HTTP: c, UserAgent: "bench"}
	var lat, chain []time.Duration
	var roundsCPU time.Duration
	cold := 0 // a new cell each round (90,000 of them), whatever -benchtime asks
	for b.Loop() {
		for r := range rounds {
			cold++
			cell := Point{30 + float64(cold/300%300)*0.1, -120 + float64(cold%300)*0.1}
			before := f.Requests(nwsfake.KindObservations)
			var mu sync.Mutex
			var wg sync.WaitGroup
			done := make([]time.Time, 0, callers)
			cpu := cpustat.Process()
			stages.begin()
			for range callers {
				wg.Go(func() {
					start := time.Now()
					if status, err := get(cell); status != 200 {
						b.Errorf("cold read: %d %v", status, err)
					}
					end := time.Now()
					mu.Lock()
					lat = append(lat, end.Sub(start))
					done = append(done, end)
					mu.Unlock()
				})
			}
			wg.Wait()
			roundsCPU += cpustat.Process() - cpu
			// What follows the answers (Valkey write, records) finishes before the baseline.
			settled(b, svc)
			stages.end(b, done)
			if got := f.Requests(nwsfake.KindObservations) - before; got != 1 {
				b.Fatalf("round %d: %d upstream observation calls for %d concurrent misses, want 1", r, got, callers)
			}
			for i := range 4 {
				start := time.Now()
				g, _, err := client.Point(context.Background(), 41+float64(r*4+i)*0.1, -105)
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
	}
	b.ReportMetric(percentile(lat, 50), "cold_p50_ms")
	b.ReportMetric(percentile(lat, 99), "cold_p99_ms")
	b.ReportMetric(percentile(chain, 50), "upstream_chain_p50_ms")
	b.ReportMetric(percentile(chain, 99), "upstream_chain_p99_ms")
	b.ReportMetric(float64(roundsCPU/time.Microsecond)/float64(cold)/1000, "cpu_ms/round")
	stages.report(b)
	b.ReportMetric(0, "ns/op")
}
