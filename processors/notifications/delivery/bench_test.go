package delivery

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/valkey-io/valkey-go"

	"github.com/novatrek/support/internal/dev/fakes/providerfake"
)

// benchValkeyDB is the Valkey database the benchmarks use; no test uses it, so a benchmark
// running beside the tests does not share their lanes.
const benchValkeyDB = 11

// benchProviderLatency is how long the fake provider takes to answer each call.
const benchProviderLatency = 20 * time.Millisecond

// benchRig is the benchmarks' rig: the tests' rig takes a *testing.T.
type benchRig struct {
	b    *testing.B
	pool *pgxpool.Pool
	vk   valkey.Client
	fake *providerfake.SendGrid
	cfg  Config
	next int
}

// newBenchRig gives a migrated database, Valkey database benchValkeyDB and a SendGrid fake
// answering in benchProviderLatency. cfg has the production defaults (New fills them).
func newBenchRig(b *testing.B) *benchRig {
	b.Helper()
	cfg, fake, _ := emailSetup(b, benchValkeyDB, "bench."+uuid.NewString())
	fake.SetLatency(benchProviderLatency)
	return &benchRig{b: b, pool: cfg.Pool, vk: cfg.Valkey, fake: fake, cfg: cfg}
}

// insert adds n pending email rows of priority in one statement, as the tests' rig.insert
// does row by row, and returns their addresses (one per row).
func (r *benchRig) insert(n int, priority string) []string {
	r.b.Helper()
	ids, addrs := make([]string, n), make([]string, n)
	for i := range n {
		r.next++
		ids[i] = uuid.NewString()
		addrs[i] = fmt.Sprintf("guest-%d@example.com", r.next)
	}
	if _, err := r.pool.Exec(context.Background(), `INSERT INTO notifications.notifications (id, source_event_id,
		source_topic, kind, recipient, recipient_type, recipient_id, address, channel, category, locale,
		template_name, subject, body, priority, status)
		SELECT id, $2, 't', 'BOOKING_CONFIRMATION', 'GUEST:' || addr, 'GUEST', addr, addr, 'email',
			'transactional', 'en', 'booking', 'Hi', 'Body', $3, 'pending'
		FROM unnest($1::uuid[], $4::text[]) AS u(id, addr)`, ids, uuid.NewString(), priority, addrs); err != nil {
		r.b.Fatal(err)
	}
	return addrs
}

// run starts a Delivery with cfg until the benchmark ends.
func (r *benchRig) run(cfg Config) {
	r.b.Helper()
	startDelivery(r.b, cfg)
}

func (r *benchRig) count(status string) int {
	r.b.Helper()
	var n int
	if err := r.pool.QueryRow(context.Background(), `SELECT count(*) FROM notifications.notifications
		WHERE status = $1`, status).Scan(&n); err != nil {
		r.b.Fatal(err)
	}
	return n
}

// waitFor polls cond until it holds; limit only guards against hangs.
func (r *benchRig) waitFor(what string, limit time.Duration, cond func() bool) {
	r.b.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			r.b.Fatalf("timed out after %s waiting for %s", limit, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func envInt(b *testing.B, name string, def int) int {
	b.Helper()
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		b.Fatalf("%s=%q: want a positive integer", name, v)
	}
	return n
}

// BenchmarkSustainedDeliveries inserts DELIVERY_BENCH_ROWS (default 5000) pending routine
// email rows, starts the Delivery and measures until every row is sent, against real
// PostgreSQL, real Valkey and a SendGrid fake answering in 20 ms. "defaults" runs the
// production Config (DefaultRoutineWorkers workers, DefaultRatePerSecond throttle);
// "tuned" raises the routine workers and the throttle to show what the design reaches
// when configured for it. The target is ≥ 500 deliveries/s.
func BenchmarkSustainedDeliveries(b *testing.B) {
	rows := envInt(b, "DELIVERY_BENCH_ROWS", 5000)
	for _, tc := range []struct {
		name    string
		workers int
		rate    float64
	}{
		{name: "defaults", workers: DefaultRoutineWorkers, rate: DefaultRatePerSecond},
		{name: "tuned", workers: 64, rate: 5000}, // and a pool of workers+2 connections
	} {
		b.Run(tc.name, func(b *testing.B) {
			for b.Loop() {
				b.StopTimer()
				r := newBenchRig(b)
				r.insert(rows, "routine")
				cfg := r.cfg
				cfg.RoutineWorkers, cfg.RatePerSecond = tc.workers, tc.rate
				if tc.name == "tuned" {
					// A job holds a connection only for its claim and its record, not across
					// the provider call; the larger pool still spares the workers any wait
					// (pgxpool's default is max(4, NumCPU) connections).
					pc := r.pool.Config()
					pc.MaxConns = int32(DefaultEmergencyWorkers + tc.workers + 2)
					pool, err := pgxpool.NewWithConfig(context.Background(), pc)
					if err != nil {
						b.Fatal(err)
					}
					b.Cleanup(pool.Close)
					cfg.Pool = pool
				}
				b.StartTimer()
				start := time.Now()
				r.run(cfg)
				r.waitFor("all rows sent", 10*time.Minute, func() bool { return r.count("sent") == rows })
				elapsed := time.Since(start)
				b.StopTimer()
				if d := r.fake.Duplicates(); len(d) > 0 {
					b.Fatalf("%d messages delivered more than once, e.g. %s", len(d), d[0])
				}
				if got := r.fake.AcceptedTotal(); got != rows {
					b.Fatalf("provider accepted %d, want %d", got, rows)
				}
				b.ReportMetric(float64(rows)/elapsed.Seconds(), "deliveries/s")
				b.ReportMetric(float64(tc.workers), "routine_workers")
				b.ReportMetric(tc.rate, "rate_limit/s")
				b.StartTimer()
			}
		})
	}
}

// BenchmarkEmergencyBehindBacklog inserts 10,000 routine pending rows, waits until the
// dispatcher has queued some, then inserts 50 emergency rows one every 100 ms and
// measures, per emergency, the time from its row insert to the provider receiving its
// call (the fake's call record). The row insert stands in for `emergency.triggered` on
// Kafka: the intake's consume-and-insert step is not part of this measurement. It runs
// the production Config (PollInterval, worker counts and throttle at their defaults) with
// a SendGrid fake answering in 20 ms. The target is p99 ≤ 1000 ms.
func BenchmarkEmergencyBehindBacklog(b *testing.B) {
	const (
		backlog     = 10000
		emergencies = 50
		interval    = 100 * time.Millisecond
	)
	for b.Loop() {
		b.StopTimer()
		r := newBenchRig(b)
		r.insert(backlog, "routine")
		r.run(r.cfg)
		r.waitFor("routine backlog queued", time.Minute, func() bool { return r.count("queued") > 0 })
		b.StartTimer()
		inserted := map[string]time.Time{}
		for range emergencies {
			at := time.Now()
			inserted[r.insert(1, "emergency")[0]] = at
			time.Sleep(interval)
		}
		r.waitFor("every emergency sent", time.Minute, func() bool {
			n := 0
			for _, c := range r.fake.Calls() {
				if _, ok := inserted[c.Recipient]; ok && c.Accepted() {
					n++
				}
			}
			return n >= emergencies
		})
		b.StopTimer()
		first := map[string]time.Time{}
		for _, c := range r.fake.Calls() {
			if _, ok := inserted[c.Recipient]; ok && c.Accepted() {
				if t, seen := first[c.Recipient]; !seen || c.At.Before(t) {
					first[c.Recipient] = c.At
				}
			}
		}
		lat := make([]float64, 0, emergencies)
		for addr, at := range inserted {
			lat = append(lat, float64(first[addr].Sub(at))/float64(time.Millisecond))
		}
		slices.Sort(lat)
		pct := func(p float64) float64 { return lat[min(len(lat)-1, int(p*float64(len(lat))))] }
		if d := r.fake.Duplicates(); len(d) > 0 {
			b.Fatalf("%d messages delivered more than once, e.g. %s", len(d), d[0])
		}
		b.ReportMetric(pct(0.50), "p50_ms")
		b.ReportMetric(pct(0.99), "p99_ms")
		b.ReportMetric(lat[len(lat)-1], "max_ms")
		b.ReportMetric(float64(r.count("queued")), "routine_still_queued")
		b.StartTimer()
	}
}
