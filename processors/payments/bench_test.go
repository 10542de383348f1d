package payments

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/novatrek/support/internal/platform/idempotency"
	"github.com/novatrek/support/internal/platform/service"
	"github.com/novatrek/support/internal/testkit/cpustat"
	"github.com/novatrek/support/internal/testkit/loadtest"
)

// Benchmark knobs: make bench runs with -benchtime 1x, so one iteration is a full run.
const (
	benchDeposits = 3000 // deposits per iteration
	benchCommits  = 6000 // commits of the raw PostgreSQL baseline
)

// benchClients is the number of concurrent API clients (closed loop: each sends its next
// deposit when the last one is answered). Mean latency is clients / throughput, so it is the
// knob between the two; -payments.clients changes it.
var benchClients = flag.Int("payments.clients", 12, "concurrent clients of BenchmarkDepositPayments")

// BenchmarkDepositPayments drives POST /v1/deposits over HTTP (authentication, card-number
// screen, idempotency key, fraud screening, authorization and capture with the provider,
// ledger, outbox, stored response) with the fake fraud service and PSP answering at once,
// from -payments.clients clients (12), everything on this machine. It reports throughput,
// latency percentiles and the CPU each payment costs in this process (API, load generator
// and fakes) and in PostgreSQL, beside the raw commit rate of the same PostgreSQL measured
// in the same run with the same concurrency. A deposit is three commits (the idempotency
// claim, the processing row written before the provider is called, and the pipelined
// result), so a third of the raw rate bounds the API; in practice CPU binds first.
func BenchmarkDepositPayments(b *testing.B) {
	h := newHarness(b, func(h *harness) { h.logLevel = slog.LevelWarn; h.vars["PAYMENTS_DB_MAX_CONNS"] = "24" })
	client := &http.Client{Transport: &http.Transport{MaxIdleConns: 256, MaxIdleConnsPerHost: 256}}
	body := func() []byte {
		return []byte(mustJSON(deposit("125.00", "USD", "pm_card_visa")))
	}
	one := func() (time.Duration, error) {
		req, _ := http.NewRequest("POST", h.srv.URL+"/v1/deposits", bytes.NewReader(body()))
		req.Header.Set("Authorization", "Bearer "+testToken(CallerReservations))
		req.Header.Set(idempotency.Header, uuid.NewString())
		start := time.Now()
		resp, err := client.Do(req)
		if err != nil {
			return 0, err
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		d := time.Since(start)
		if resp.StatusCode != http.StatusCreated {
			return d, fmt.Errorf("deposit answered %d", resp.StatusCode)
		}
		return d, nil
	}
	// Warm up: connections, prepared statements, schema ids.
	if _, err := loadtest.Run(*benchClients*4, *benchClients, one); err != nil {
		b.Fatal(err)
	}

	commitRate := rawCommitRate(b, h)
	pgBefore, goBefore := backendCPU(b, h), processCPU()
	b.ResetTimer()
	var lat []time.Duration
	var elapsed time.Duration
	for range b.N {
		start := time.Now()
		l, err := loadtest.Run(benchDeposits, *benchClients, one)
		elapsed += time.Since(start)
		if err != nil {
			b.Fatal(err)
		}
		lat = append(lat, l...)
	}
	b.StopTimer()
	pgCPU, goCPU := backendCPU(b, h)-pgBefore, processCPU()-goBefore
	slices.Sort(lat)
	pct := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))]) / float64(time.Millisecond) }
	b.ReportMetric(float64(len(lat))/elapsed.Seconds(), "payments/s")
	b.ReportMetric(pct(0.50), "p50_ms")
	b.ReportMetric(pct(0.99), "p99_ms")
	b.ReportMetric(commitRate, "pg_commits/s")
	if pgCPU > 0 {
		b.ReportMetric(pgCPU.Seconds()*1000/float64(len(lat)), "pg_cpu_ms/payment")
	}
	b.ReportMetric(goCPU.Seconds()*1000/float64(len(lat)), "go_cpu_ms/payment")
	b.ReportMetric(0, "ns/op")
	if n := h.count(`SELECT count(*) FROM payments.payments WHERE status = 'captured'`); n < len(lat) {
		b.Fatalf("%d captured payments after %d deposits", n, len(lat))
	}
	h.ledgerOK()
}

// rawCommitRate measures how many single-row INSERT transactions per second the database
// commits with benchConcurrency concurrent writers, the floor under every deposit.
func rawCommitRate(b *testing.B, h *harness) float64 {
	b.Helper()
	pool, err := service.OwnPool(context.Background(), h.pool, ServiceName, int32(*benchClients))
	if err != nil {
		b.Fatal(err)
	}
	defer pool.Close()
	cpu0 := backendCPU(b, h)
	rate := loadtest.RawCommitRate(b, pool, *benchClients, benchCommits)
	b.Logf("raw commits: %.0f/s, %.3f ms PostgreSQL CPU each", rate, (backendCPU(b, h)-cpu0).Seconds()*1000/benchCommits)
	return rate
}

// backendCPU is the CPU time used so far by the PostgreSQL backends connected to the test
// database (cpustat.Backends).
func backendCPU(b *testing.B, h *harness) time.Duration {
	b.Helper()
	d, err := cpustat.Backends(h.ctx, h.pool)
	if err != nil {
		b.Fatal(err)
	}
	return d
}

// processCPU is this process's CPU time (user + system).
func processCPU() time.Duration { return cpustat.Process() }
