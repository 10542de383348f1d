package weather

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/novatrek/support/internal/dev/fakes/nwsfake"
	"github.com/novatrek/support/internal/platform/outbound"
	"github.com/novatrek/support/internal/platform/stream/streamtest"
	"github.com/novatrek/support/internal/testkit/logtest"
	"github.com/novatrek/support/internal/testkit/servicetest"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/valkey-io/valkey-go"

	"github.com/novatrek/support/internal/testkit/valkeytest"
)

func conditionsPath(p Point) string {
	return fmt.Sprintf("/v1/conditions?lat=%.4f&lon=%.4f", p.Lat, p.Lon)
}

// upstream is how many provider calls of the conditions chain the fake has seen.
func upstream(f *nwsfake.Server) [3]int64 {
	return [3]int64{f.Requests(nwsfake.KindPoints), f.Requests(nwsfake.KindStations), f.Requests(nwsfake.KindObservations)}
}

// TestConditionsTTLExpiry: a read within the 5-minute TTL is answered from Valkey with its
// age; past it (and the revalidate window) the provider is asked again.
func TestConditionsTTLExpiry(t *testing.T) {
	t.Parallel()
	svc, f, clk := started(t)
	first := svc.Call(wildlife, "GET", conditionsPath(yosemite), nil)
	if first.Status != 200 || upstream(f) != [3]int64{1, 1, 1} {
		t.Fatalf("first read: %d %s, upstream %v", first.Status, first.Body, upstream(f))
	}
	clk.advance(4 * time.Minute)
	hit := svc.Call(wildlife, "GET", conditionsPath(yosemite), nil)
	if hit.Status != 200 || upstream(f)[2] != 1 || hit.Header.Get("Age") != "240" || hit.Header.Get("X-Data-Age") != "240" {
		t.Errorf("within the TTL: %d Age %q X-Data-Age %q, observations fetched %d times", hit.Status,
			hit.Header.Get("Age"), hit.Header.Get("X-Data-Age"), upstream(f)[2])
	}
	clk.advance(3 * time.Minute) // 7 min: past 5 min TTL + 1 min revalidate window
	again := svc.Call(wildlife, "GET", conditionsPath(yosemite), nil)
	if again.Status != 200 || upstream(f) != [3]int64{1, 1, 2} || again.Header.Get("Age") != "0" {
		t.Errorf("past the TTL: %d Age %q, upstream %v; want a new observation call only (the grid is cached a day)",
			again.Status, again.Header.Get("Age"), upstream(f))
	}
}

// TestStaleIfError: with the provider down, data up to an hour old is answered marked stale
// with its age; older, or none at all, is a 503 with Retry-After.
func TestStaleIfError(t *testing.T) {
	t.Parallel()
	svc, f, clk := started(t)
	if r := svc.Call(wildlife, "GET", conditionsPath(yosemite), nil); r.Status != 200 {
		t.Fatalf("warm-up: %d %s", r.Status, r.Body)
	}
	f.SetDown(true)
	clk.advance(30 * time.Minute)
	var body struct {
		Freshness freshness `json:"freshness"`
	}
	stale := svc.Call(wildlife, "GET", conditionsPath(yosemite), nil)
	stale.JSON(t, &body)
	if stale.Status != 200 || !body.Freshness.Stale || body.Freshness.AgeSeconds != 1800 || stale.Header.Get("X-Data-Age") != "1800" {
		t.Errorf("provider down, 30 min old data: %d %s X-Data-Age %q", stale.Status, stale.Body, stale.Header.Get("X-Data-Age"))
	}
	clk.advance(31 * time.Minute)
	gone := svc.Call(wildlife, "GET", conditionsPath(yosemite), nil)
	if gone.Status != 503 || gone.Header.Get("Retry-After") == "" {
		t.Errorf("provider down, 61 min old data: %d %s Retry-After %q; want 503 with Retry-After", gone.Status, gone.Body, gone.Header.Get("Retry-After"))
	}
	cold := svc.Call(wildlife, "GET", conditionsPath(Point{40.1, -105.2}), nil)
	if cold.Status != 503 || cold.Header.Get("Retry-After") == "" {
		t.Errorf("provider down, nothing cached: %d %s", cold.Status, cold.Body)
	}
}

// TestMalformedBodyDoesNotPoisonTheCache: a malformed answer on a cold cell is a 503 and
// leaves nothing cached, so the next read asks again and gets good data; on a warm cell the
// old entry is served (stale-if-error) and stays as it was.
func TestMalformedBodyDoesNotPoisonTheCache(t *testing.T) {
	t.Parallel()
	svc, f, clk := started(t)
	f.MalformedNext(1)
	if r := svc.Call(wildlife, "GET", conditionsPath(yosemite), nil); r.Status != 503 {
		t.Fatalf("malformed answer on a cold cell: %d %s, want 503", r.Status, r.Body)
	}
	good := svc.Call(wildlife, "GET", conditionsPath(yosemite), nil)
	var body struct {
		Freshness   freshness `json:"freshness"`
		Observation struct {
			StationID string `json:"station_id"`
		} `json:"observation"`
	}
	good.JSON(t, &body)
	if good.Status != 200 || body.Observation.StationID == "" || body.Freshness.Stale {
		t.Fatalf("the read after: %d %s", good.Status, good.Body)
	}
	fetched := body.Freshness.FetchedAt
	clk.advance(10 * time.Minute)
	f.MalformedNext(1)
	warm := svc.Call(wildlife, "GET", conditionsPath(yosemite), nil)
	warm.JSON(t, &body)
	if warm.Status != 200 || !body.Freshness.Stale || !body.Freshness.FetchedAt.Equal(fetched) {
		t.Errorf("malformed refresh of a warm cell: %d %s; want the old entry, stale", warm.Status, warm.Body)
	}
	cached, err := svc.State.fetch.cache.get(context.Background(), "conditions", yosemite.Key())
	if err != nil || cached == nil || !cached.FetchedAt.Equal(fetched) {
		t.Errorf("cache after the malformed refresh: %+v, %v; want the entry fetched at %s", cached, err, fetched)
	}
}

// TestHundredConcurrentMissesMakeOneUpstreamCall: 100 callers in one cell (points a few
// hundred metres apart) at once, the provider answering in 50 ms: one call of each kind.
func TestHundredConcurrentMissesMakeOneUpstreamCall(t *testing.T) {
	t.Parallel()
	svc, f, _ := started(t)
	f.SetLatency(50 * time.Millisecond)
	var wg sync.WaitGroup
	status := make([]int, 100)
	for i := range 100 {
		wg.Go(func() {
			c := yosemite.Cell() // every point within 400 m of its centre
			p := Point{c.Lat + float64(i%5-2)*0.0015, c.Lon + float64(i%3-1)*0.003}
			status[i] = svc.Call(wildlife, "GET", conditionsPath(p), nil).Status
		})
	}
	wg.Wait()
	for i, s := range status {
		if s != 200 {
			t.Fatalf("caller %d: %d", i, s)
		}
	}
	if got := upstream(f); got != [3]int64{1, 1, 1} {
		t.Errorf("upstream calls (points, stations, observations) = %v, want one each", got)
	}
}

// second is another instance of the running service: its own process state (singleflight,
// Valkey connection, HTTP client), the same Valkey key prefix, database and provider.
func second(t *testing.T, svc *servicetest.Service[*app]) *app {
	t.Helper()
	first := svc.State
	vk, err := valkey.NewClient(valkey.MustParseURL(valkeytest.URL(t, servicetest.ValkeyDB)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(vk.Close)
	c, err := outbound.New(outbound.Config{Target: "provider", BaseURL: svc.Fakes.Env["WEATHER_PROVIDER_URL"], Retries: 2})
	if err != nil {
		t.Fatal(err)
	}
	b, err := build(deps{cfg: first.cfg, db: first.db, emit: first.emit, http: c, vk: vk, keyPrefix: first.fetch.cache.prefix,
		metrics: prometheus.NewRegistry(), log: first.log, now: first.now})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestTwoInstancesCoalesceThroughValkey: 50 concurrent misses on each of two instances
// make one upstream call: one instance's flight holds the cell's Valkey lock, the other
// waits for its result.
func TestTwoInstancesCoalesceThroughValkey(t *testing.T) {
	t.Parallel()
	svc, f, _ := started(t)
	other := second(t, svc)
	f.SetLatency(100 * time.Millisecond)
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for i := range 100 {
		inst := svc.State
		if i%2 == 1 {
			inst = other
		}
		wg.Go(func() {
			_, err := inst.fetch.read(context.Background(), inst.conditions, yosemite)
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if got := upstream(f); got != [3]int64{1, 1, 1} {
		t.Errorf("upstream calls (points, stations, observations) from two instances = %v, want one each", got)
	}
}

// TestBudgetExhaustion: with a burst of 3 calls and a trickle of refill, the first cell
// (three calls) is answered, the next gets a 503 with Retry-After, the refusal is counted
// and logged once, and the cached cell is still answered.
func TestBudgetExhaustion(t *testing.T) {
	t.Parallel()
	var logs logtest.Buffer
	svc, f, _ := started(t, servicetest.WithEnv("WEATHER_UPSTREAM_BURST", "3", "WEATHER_UPSTREAM_BUDGET_PER_HOUR", "1"),
		servicetest.WithLogger(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelInfo}))))
	if r := svc.Call(wildlife, "GET", conditionsPath(yosemite), nil); r.Status != 200 {
		t.Fatalf("first cell: %d %s", r.Status, r.Body)
	}
	refused := svc.Call(wildlife, "GET", conditionsPath(Point{40.1, -105.2}), nil)
	if refused.Status != http.StatusServiceUnavailable || refused.Header.Get("Retry-After") == "" {
		t.Errorf("over budget: %d %s Retry-After %q", refused.Status, refused.Body, refused.Header.Get("Retry-After"))
	}
	if n := f.TotalRequests(); n != 3 {
		t.Errorf("the provider saw %d requests, want the 3 of the budget", n)
	}
	if n := counter(t, svc.Metrics, "novatrek_weather_budget_exhausted_total"); n < 1 {
		t.Errorf("novatrek_weather_budget_exhausted_total = %v", n)
	}
	if r := svc.Call(wildlife, "GET", conditionsPath(Point{41.1, -105.2}), nil); r.Status != 503 {
		t.Errorf("a second refused cell: %d", r.Status)
	}
	if n := strings.Count(logs.String(), "budget exhausted: provider calls are refused"); n != 1 {
		t.Errorf("%d exhaustion warnings for one episode, want 1:\n%s", n, logs.String())
	}
	if r := svc.Call(wildlife, "GET", conditionsPath(yosemite), nil); r.Status != 200 {
		t.Errorf("a cached cell over budget: %d", r.Status)
	}
}

// TestStaleWhileRevalidate: just past its 5 minutes, an entry is answered at once, marked
// stale, while one refresh runs behind it; the next read gets the refreshed entry.
func TestStaleWhileRevalidate(t *testing.T) {
	t.Parallel()
	svc, f, clk := started(t)
	if r := svc.Call(wildlife, "GET", conditionsPath(yosemite), nil); r.Status != 200 {
		t.Fatalf("warm-up: %d", r.Status)
	}
	clk.advance(5*time.Minute + 20*time.Second)
	var body struct {
		Freshness freshness `json:"freshness"`
	}
	stale := svc.Call(wildlife, "GET", conditionsPath(yosemite), nil)
	stale.JSON(t, &body)
	if stale.Status != 200 || !body.Freshness.Stale || body.Freshness.AgeSeconds != 320 {
		t.Errorf("within the revalidate window: %d %s; want the old entry, stale", stale.Status, stale.Body)
	}
	streamtest.Eventually(t, "the background refresh", func() (bool, error) {
		e, err := svc.State.fetch.cache.get(context.Background(), "conditions", yosemite.Key())
		return err == nil && e != nil && clk.now().Before(e.FreshUntil), err
	})
	fresh := svc.Call(wildlife, "GET", conditionsPath(yosemite), nil)
	fresh.JSON(t, &body)
	if fresh.Status != 200 || body.Freshness.Stale || f.Requests(nwsfake.KindObservations) != 2 {
		t.Errorf("after the refresh: %d %s, %d observation calls; want fresh, 2", fresh.Status, fresh.Body, f.Requests(nwsfake.KindObservations))
	}
}

// TestProviderThrottling: a 429 with a short Retry-After is waited out and retried (the
// caller sees only the answer); one asking longer than the client waits becomes our 503
// with the provider's Retry-After.
func TestProviderThrottling(t *testing.T) {
	t.Parallel()
	svc, f, _ := started(t)
	f.ThrottleNext(1, time.Second)
	if r := svc.Call(wildlife, "GET", conditionsPath(yosemite), nil); r.Status != 200 || f.Requests(nwsfake.KindPoints) != 2 {
		t.Errorf("one 429 with Retry-After 1: %d, %d point calls; want 200 after a retry", r.Status, f.Requests(nwsfake.KindPoints))
	}
	f.ThrottleNext(1, 120*time.Second)
	r := svc.Call(wildlife, "GET", conditionsPath(Point{40.1, -105.2}), nil)
	if r.Status != 503 || r.Header.Get("Retry-After") != "120" {
		t.Errorf("429 with Retry-After 120: %d Retry-After %q; want 503 passing on 120", r.Status, r.Header.Get("Retry-After"))
	}
}

// counter sums the samples of a counter family.
func counter(t *testing.T, reg *prometheus.Registry, name string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var sum float64
	for _, mf := range mfs {
		if mf.GetName() == name {
			for _, m := range mf.GetMetric() {
				sum += m.GetCounter().GetValue()
			}
		}
	}
	return sum
}

// TestStaleReadsStartOneRevalidation: 50 reads meeting one stale entry while the provider is
// slow and down are all answered stale at once, and start one background refresh between
// them: its failure is logged once, not once per read.
func TestStaleReadsStartOneRevalidation(t *testing.T) {
	t.Parallel()
	var logs logtest.Buffer
	svc, f, clk := started(t, servicetest.WithLogger(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelWarn}))))
	if r := svc.Call(wildlife, "GET", conditionsPath(yosemite), nil); r.Status != 200 {
		t.Fatalf("warm-up: %d %s", r.Status, r.Body)
	}
	a := svc.State
	// The server's invalidation of the cold miss cached client-side follows the reply to
	// the write: wait until this instance reads the entry back.
	streamtest.Eventually(t, "the warm entry", func() (bool, error) {
		e, err := a.fetch.cache.get(context.Background(), "conditions", yosemite.Key())
		return e != nil, err
	})
	clk.advance(5*time.Minute + 10*time.Second)
	f.SetLatency(500 * time.Millisecond) // the refresh is in flight while the reads below run
	f.SetDown(true)
	for range 50 {
		rd, err := a.fetch.read(context.Background(), a.conditions, yosemite)
		if err != nil || !rd.stale {
			t.Fatalf("a read in the revalidate window: %+v, %v; want the stale entry", rd, err)
		}
	}
	const warning = "background refresh failed"
	streamtest.Eventually(t, "the refresh's failure", func() (bool, error) {
		_, running := a.fetch.revalidating.Load("conditions:" + yosemite.Key())
		return !running && strings.Contains(logs.String(), warning), nil
	})
	if n := strings.Count(logs.String(), warning); n != 1 {
		t.Errorf("%d warnings for one failed revalidation, want 1:\n%s", n, logs.String())
	}
}
