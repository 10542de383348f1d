package loadtest

import (
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/novatrek/support/internal/testkit/pgtest"
)

func TestRunCallsNTimesAndStopsAtAnError(t *testing.T) {
	t.Parallel()
	var calls atomic.Int64
	lat, err := Run(50, 4, func() (time.Duration, error) { return time.Duration(calls.Add(1)), nil })
	if err != nil || calls.Load() != 50 || len(lat) != 50 {
		t.Errorf("%d calls, %d latencies, %v; want 50", calls.Load(), len(lat), err)
	}
	boom := errors.New("boom")
	if _, err := Run(10, 2, func() (time.Duration, error) { return 0, boom }); !errors.Is(err, boom) {
		t.Errorf("error = %v; want boom", err)
	}
}

func TestPercentile(t *testing.T) {
	t.Parallel()
	var lat []time.Duration
	for i := 100; i >= 1; i-- {
		lat = append(lat, time.Duration(i)*time.Millisecond)
	}
	if p50, p99 := Percentile(lat, 0.5), Percentile(lat, 0.99); p50 != 50 || p99 != 99 {
		t.Errorf("p50 %v p99 %v; want 50 and 99", p50, p99)
	}
}

func TestRawCommitRateCommits(t *testing.T) {
	t.Parallel()
	pool := pgtest.NewDB(t)
	if rate := RawCommitRate(t, pool, 2, 50); rate <= 0 {
		t.Errorf("rate %v", rate)
	}
	var n int
	if err := pool.QueryRow(t.Context(), `SELECT count(*) FROM public.bench_commits`).Scan(&n); err != nil || n != 50+50 {
		t.Errorf("%d rows (%v); want warm-up 50 + 50", n, err)
	}
}
