package analytics

import (
	"context"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/novatrek/support/internal/testkit/servicetest"
)

// BenchmarkRebuild is the speed figures, on a year of mixed domain events
// (ANALYTICS_BENCH_EVENTS, default 100,000; `make bench` passes BENCH_EVENTS):
//
//   - events/s: the service's share of a rebuild by replay, each event mapped to its facts
//     and written in batches of 500 events per transaction, the rollups deferred and
//     computed from the facts at the end, as a rebuild does (deferred.go); facts_s and
//     rollups_s are the two parts (the stream runtime's own replay cost is
//     BenchmarkReplay's in internal/platform/stream);
//   - raw_rows/s and pct_of_raw: the baseline, the same fact rows COPYed into the same
//     partitioned tables in the same batches without rollups, measured in the same run;
//   - p50_ms and p99_ms per endpoint: 500 requests of each dashboard and the forecast
//     over the year (one month's window by day, the whole year by month), through the
//     HTTP edge, beside two baselines in the same rounds (a trivial indexed SELECT on the
//     pool, GET /healthz through the edge) and the load average;
//   - peak_rss_MiB: the process's high-water RSS (VmHWM), for the ≤ 256 MiB target.
func BenchmarkRebuild(b *testing.B) {
	n := 100_000
	if v, err := strconv.Atoi(os.Getenv("ANALYTICS_BENCH_EVENTS")); err == nil && v > 0 {
		n = v
	}
	const batch = 500
	now := time.Now().UTC()
	step := 360 * 24 * time.Hour / time.Duration(n) // a year, newest first
	batches := func(yield func([]row) bool) {
		var rows []row
		for i := range n {
			at := now.Add(-time.Duration(i) * step)
			_, _, ev := sample(i%kinds, i, at)
			fs := mapEvent(b, ev)
			rows = append(rows, rowsOf(ev.EventMeta().EventID, fs)...)
			if (i+1)%batch == 0 || i == n-1 {
				if !yield(rows) {
					return
				}
				rows = rows[:0]
			}
		}
	}
	for range b.N {
		svc := servicetest.Start(b, Spec, servicetest.WithoutConsumer(), servicetest.WithoutWorkers("partition maintenance", "rebuild progress"))
		ctx := context.Background()
		// The baseline first, then emptied: COPY of the same rows.
		total := 0
		start := time.Now()
		for rows := range batches {
			total += len(rows)
			if err := pgx.BeginFunc(ctx, svc.DB, func(tx pgx.Tx) error { return copyRows(ctx, tx, rows) }); err != nil {
				b.Fatal(err)
			}
		}
		raw := float64(total) / time.Since(start).Seconds()
		if err := pgx.BeginFunc(ctx, svc.DB, func(tx pgx.Tx) error { return rebuild(ctx, tx) }); err != nil {
			b.Fatal(err)
		}
		var started time.Time
		if err := svc.DB.QueryRow(ctx, `SELECT started_at FROM analytics.rebuilds WHERE finished_at IS NULL`).Scan(&started); err != nil {
			b.Fatal(err)
		}
		start = time.Now()
		for rows := range batches {
			if err := pgx.BeginFunc(ctx, svc.DB, func(tx pgx.Tx) error { return svc.State.facts.Apply(ctx, tx, rows) }); err != nil {
				b.Fatal(err)
			}
		}
		factsDone := time.Now()
		if err := pgx.BeginFunc(ctx, svc.DB, func(tx pgx.Tx) error { return svc.State.finishRebuild(ctx, tx, started) }); err != nil {
			b.Fatal(err)
		}
		elapsed := time.Since(start).Seconds()
		b.ReportMetric(factsDone.Sub(start).Seconds(), "facts_s")
		b.ReportMetric(time.Since(factsDone).Seconds(), "rollups_s")
		b.ReportMetric(float64(n)/elapsed, "events/s")
		b.ReportMetric(float64(total)/elapsed, "rows/s")
		b.ReportMetric(raw, "raw_rows/s")
		b.ReportMetric(100*float64(total)/elapsed/raw, "pct_of_raw")
		b.ReportMetric(peakRSS(b), "peak_rss_MiB")
		// What autovacuum does after a rebuild's inserts: statistics, and the visibility
		// map that lets the series reads be index-only scans.
		if _, err := svc.DB.Exec(ctx, `VACUUM ANALYZE`); err != nil {
			b.Fatal(err)
		}
		dashboardLatencies(b, svc, now)
	}
}

// copyRows COPYs rows into their fact tables: the raw insert baseline.
func copyRows(ctx context.Context, tx pgx.Tx, rows []row) error {
	if err := ensureMonths(ctx, tx, monthsOf(rows)); err != nil {
		return err
	}
	return copyFacts(ctx, tx, rows)
}

// latencyRounds is how many requests each endpoint gets in the bench.
const latencyRounds = 500

// dashboardLatencies reports the p50 and p99 of each endpoint over the stored year beside
// two baselines measured in the same rounds: a trivial indexed SELECT of one rollup on
// the pool (what the database alone costs under the machine's load) and GET /healthz
// through the same HTTP client and edge (what a request costs). Each round calls every
// endpoint and baseline once, so all of them see the same moments of load.
func dashboardLatencies(b *testing.B, svc *servicetest.Service[*app], now time.Time) {
	ctx := context.Background()
	month := "from=" + now.AddDate(0, -1, 0).Format(time.DateOnly) + "&to=" + now.Format(time.DateOnly)
	year := "from=" + now.AddDate(-1, 0, 0).Format(time.DateOnly) + "&to=" + now.Format(time.DateOnly) + "&bucket=month"
	endpoints := []struct{ name, caller, path string }{
		{"booking_trends_month", CallerAnalysts, "/v1/booking-trends?by=trip&" + month},
		{"revenue_year", CallerFinanceOps, "/v1/revenue?" + year},
		{"utilization_month", CallerAnalysts, "/v1/utilization?by=location&" + month},
		{"safety_year", CallerAnalysts, "/v1/safety-metrics?" + year},
		{"satisfaction_trip_year", CallerGuestProfiles, "/v1/satisfaction-scores?trip_id=" + trips[0] + "&" + strings.TrimSuffix(year, "&bucket=month")},
		{"forecast_reservations", CallerAnalysts, "/v1/forecasts?fact=booking_metrics&metric=reservations&horizon=30"},
		{"baseline_healthz", "", "/healthz"},
	}
	lat := make([][]float64, len(endpoints)+1) // the last: the SELECT baseline
	day := now.Truncate(24 * time.Hour)
	for i := range latencyRounds {
		start := time.Now()
		var n int64
		if err := svc.DB.QueryRow(ctx, `SELECT n FROM analytics.rollups
			WHERE fact = 'booking_metrics' AND dim = 'all' AND grain = 'day' AND bucket = $1 LIMIT 1`, day).Scan(&n); err != nil {
			b.Fatal(err)
		}
		lat[len(endpoints)] = append(lat[len(endpoints)], ms(time.Since(start)))
		for j, e := range endpoints {
			start := time.Now()
			r := svc.Call(e.caller, "GET", e.path, nil)
			lat[j] = append(lat[j], ms(time.Since(start)))
			if i == 0 && e.caller != "" {
				b.ReportMetric(lat[j][0], e.name+"_first_ms") // the first request, on a cold connection and cache
			}
			if r.Status != http.StatusOK {
				b.Fatalf("%s: %d %s", e.path, r.Status, r.Body)
			}
		}
	}
	b.ReportMetric(loadAverage(b), "loadavg_1m") // the machine's load while the rounds ran
	for j, l := range lat {
		name := "baseline_select"
		if j < len(endpoints) {
			name = endpoints[j].name
		}
		slices.Sort(l)
		b.ReportMetric(l[len(l)/2], name+"_p50_ms")
		b.ReportMetric(l[len(l)*99/100], name+"_p99_ms")
	}
}

// loadAverage is the machine's one-minute load average (Linux /proc/loadavg): on a shared
// machine the latencies mean little without it.
func loadAverage(b *testing.B) float64 {
	raw, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		b.Fatal(err)
	}
	f := strings.Fields(string(raw))
	if len(f) == 0 {
		b.Fatalf("empty /proc/loadavg")
	}
	v, err := strconv.ParseFloat(f[0], 64)
	if err != nil {
		b.Fatal(err)
	}
	return v
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// peakRSS is the process's high-water resident set in MiB (Linux VmHWM).
func peakRSS(b *testing.B) float64 {
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		b.Fatal(err)
	}
	for _, line := range strings.Split(string(status), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmHWM:" {
			kb, _ := strconv.ParseFloat(f[1], 64)
			return kb / 1024
		}
	}
	b.Fatal("no VmHWM in /proc/self/status")
	return 0
}
