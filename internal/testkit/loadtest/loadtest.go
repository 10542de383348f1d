// Package loadtest drives a benchmark's closed-loop load and measures the baseline it is
// judged against: a figure means something on a shared machine only beside a baseline
// measured in the same run (CONTRIBUTING, Benchmark).
package loadtest

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// Run performs n calls of fn from c goroutines (closed loop: each sends its next call when
// the last is answered) and returns their latencies, in call order; the first error stops
// the goroutine that met it and is returned.
func Run(n, c int, fn func() (time.Duration, error)) ([]time.Duration, error) {
	var next atomic.Int64
	var mu sync.Mutex
	var firstErr error
	lat := make([]time.Duration, n)
	var wg sync.WaitGroup
	for range c {
		wg.Go(func() {
			for {
				i := next.Add(1) - 1
				if i >= int64(n) {
					return
				}
				d, err := fn()
				if err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
					return
				}
				lat[i] = d
			}
		})
	}
	wg.Wait()
	return lat, firstErr
}

// Percentile is the p-quantile (0..1) of lat in milliseconds; lat is sorted in place.
func Percentile(lat []time.Duration, p float64) float64 {
	if len(lat) == 0 {
		return 0
	}
	slices.Sort(lat)
	return float64(lat[int(p*float64(len(lat)-1))]) / float64(time.Millisecond)
}

// RawCommitRate is how many single-row INSERT transactions per second pool's database
// commits from c concurrent writers over n commits (after a warm-up): the floor under any
// service write path that commits once per request.
func RawCommitRate(tb testing.TB, pool *pgxpool.Pool, c, n int) float64 {
	tb.Helper()
	ctx := context.Background()
	if _, err := pool.Exec(ctx, `CREATE TABLE IF NOT EXISTS public.bench_commits
		(id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, at timestamptz NOT NULL DEFAULT now(), note text)`); err != nil {
		tb.Fatal(err)
	}
	commit := func() (time.Duration, error) {
		_, err := pool.Exec(ctx, `INSERT INTO public.bench_commits (note) VALUES ('x')`)
		return 0, err
	}
	if _, err := Run(min(n, 200), c, commit); err != nil {
		tb.Fatal(err)
	}
	start := time.Now()
	if _, err := Run(n, c, commit); err != nil {
		tb.Fatal(err)
	}
	return float64(n) / time.Since(start).Seconds()
}
