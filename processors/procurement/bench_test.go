package procurement

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/novatrek/support/internal/dev/standin"
	"github.com/novatrek/support/internal/testkit/loadtest"
	"github.com/novatrek/support/internal/testkit/servicetest"
)

// Benchmark sizes: make bench runs with -benchtime 1x, so one iteration is a full run.
const (
	benchAdjustments = 3000 // stock adjustments per iteration
	benchClients     = 8    // concurrent API clients of the adjustment benchmark
	benchBulk        = 100  // adjustments per array in the bulk phase
	benchOrders      = 150  // orders taken through submit, approve, send, cancel
	benchCommits     = 3000 // commits of the raw PostgreSQL baseline
)

// sender sends API requests as procurement-ops with a fresh Idempotency-Key, for load
// generators (no test failure from their goroutines: errors are returned).
type sender struct {
	url    string
	client *http.Client
}

func (s sender) send(method, path string, body any, want int, out any) (time.Duration, error) {
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest(method, s.url+path, bytes.NewReader(b))
	req.Header.Set("Authorization", "Bearer "+servicetest.Token(CallerProcurementOps))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", uuid.NewString())
	start := time.Now()
	resp, err := s.client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	d := time.Since(start)
	if resp.StatusCode != want {
		return d, fmt.Errorf("%s %s answered %d %s", method, path, resp.StatusCode, data)
	}
	if out != nil {
		return d, json.Unmarshal(data, out)
	}
	return d, nil
}

func benchHarness(b *testing.B) (*harness, sender) {
	h := start(b, harnessOption{env: []string{"PROCUREMENT_DB_MAX_CONNS", "16"}, unchecked: true})
	return h, sender{url: h.svc.URL, client: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}}
}

// BenchmarkStockAdjustments drives POST /v1/stock-adjustments over HTTP from 8 clients
// (authentication, idempotency key, the adjustment, the level, demand and lead-time
// queries, the reorder point and the alert decision, all in the adjustment's transaction)
// over the 15 active catalog items at 4 locations, each with a supplier and a week of
// consumption, beside raw single-row PostgreSQL commits from as many clients in the same
// run. Target (issue 18): 1,000 adjustments/s. Then the same number again as bulk counts
// (arrays of 100 in one transaction each): bulk_adjustments/s.
func BenchmarkStockAdjustments(b *testing.B) {
	h, s := benchHarness(b)
	h.supplier(sup(1), 9)
	var skus []string
	for _, it := range standin.Catalog {
		if it.Active {
			skus = append(skus, it.SKU)
		}
	}
	locations := []string{"WH-1", "WH-2", "WH-3", "WH-4"}
	for _, wh := range locations {
		var lines []line
		for _, sku := range skus {
			lines = append(lines, line{sku, 1, "1"})
		}
		h.order(sup(1), wh, lines...)
		for _, sku := range skus {
			h.adjust(sku, wh, KindReceipt, 1_000_000)
			for day := range 7 {
				h.adjust(sku, wh, KindConsumption, 5+day, "occurred_at", time.Now().Add(-time.Duration(day)*24*time.Hour))
			}
		}
	}
	var next atomic.Int64
	adjust := func() (time.Duration, error) {
		i := int(next.Add(1))
		body := map[string]any{"sku": skus[i%len(skus)], "location_id": locations[(i/len(skus))%len(locations)],
			"kind": "consumption", "quantity": 1, "reason": "bench", "source": "bench"}
		return s.send("POST", "/v1/stock-adjustments", body, http.StatusCreated, nil)
	}
	if _, err := loadtest.Run(100, benchClients, adjust); err != nil {
		b.Fatal(err)
	}
	commits := loadtest.RawCommitRate(b, h.svc.DB, benchClients, benchCommits)
	b.ResetTimer()
	var lat []time.Duration
	var elapsed time.Duration
	for range b.N {
		start := time.Now()
		l, err := loadtest.Run(benchAdjustments, benchClients, adjust)
		elapsed += time.Since(start)
		if err != nil {
			b.Fatal(err)
		}
		lat = append(lat, l...)
	}
	b.StopTimer()
	rate := float64(len(lat)) / elapsed.Seconds()
	// The same adjustments as bulk counts: arrays of benchBulk, one transaction each.
	bulk := func() (time.Duration, error) {
		body := make([]map[string]any, benchBulk)
		for j := range body {
			i := int(next.Add(1))
			body[j] = map[string]any{"sku": skus[i%len(skus)], "location_id": locations[(i/len(skus))%len(locations)],
				"kind": "consumption", "quantity": 1, "reason": "bench", "source": "bench"}
		}
		return s.send("POST", "/v1/stock-adjustments", body, http.StatusCreated, nil)
	}
	start := time.Now()
	if _, err := loadtest.Run(benchAdjustments/benchBulk, benchClients, bulk); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(benchAdjustments)/time.Since(start).Seconds(), "bulk_adjustments/s")
	b.ReportMetric(rate, "adjustments/s")
	b.ReportMetric(loadtest.Percentile(lat, 0.5), "p50_ms")
	b.ReportMetric(loadtest.Percentile(lat, 0.99), "p99_ms")
	b.ReportMetric(commits, "pg_commits/s")
	b.ReportMetric(rate/commits, "adjustments/commit")
	b.ReportMetric(0, "ns/op")
	if n := h.count(`SELECT count(*) FROM procurement.stock_adjustments WHERE reason = 'bench'`); n < len(lat)+benchAdjustments {
		b.Fatalf("%d adjustments stored after %d answered", n, len(lat)+benchAdjustments)
	}
}

// BenchmarkOrderTransitions takes orders through submit, approve, send and cancel over
// HTTP from one client (each transition locks the order, checks the table, records the
// history, emits through the outbox and re-evaluates the order's items), beside the
// latency of a raw single-row PostgreSQL commit from one client in the same run. Target
// (issue 18): p99 ≤ 10 ms.
func BenchmarkOrderTransitions(b *testing.B) {
	h, s := benchHarness(b)
	h.supplier(sup(1), 9)
	orders := func() []string {
		var ids []string
		for range benchOrders {
			ids = append(ids, h.order(sup(1), "WH-1", line{"GEAR-TENT-2P", 2, "10"}, line{"GEAR-BAG-0C", 2, "10"}).ID)
		}
		return ids
	}
	steps := []map[string]any{{"action": "submit", "actor": "ana"}, {"action": "approve", "actor": "bo"},
		{"action": "send", "actor": "bo"}, {"action": "cancel", "actor": "ana"}}
	commit := func() (time.Duration, error) {
		start := time.Now()
		_, err := h.svc.DB.Exec(context.Background(), `INSERT INTO public.bench_commits (note) VALUES ('x')`)
		return time.Since(start), err
	}
	loadtest.RawCommitRate(b, h.svc.DB, 1, 100) // creates the table, warms up
	raw, err := loadtest.Run(benchOrders*len(steps), 1, commit)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	var lat []time.Duration
	for range b.N {
		b.StopTimer()
		ids := orders()
		b.StartTimer()
		for _, id := range ids {
			for _, step := range steps {
				d, err := s.send("POST", "/v1/purchase-orders/"+id+"/transitions", step, http.StatusOK, nil)
				if err != nil {
					b.Fatal(err)
				}
				lat = append(lat, d)
			}
		}
	}
	b.StopTimer()
	b.ReportMetric(loadtest.Percentile(lat, 0.5), "p50_ms")
	b.ReportMetric(loadtest.Percentile(lat, 0.99), "p99_ms")
	b.ReportMetric(loadtest.Percentile(raw, 0.99), "pg_commit_p99_ms")
	b.ReportMetric(0, "ns/op")
}
