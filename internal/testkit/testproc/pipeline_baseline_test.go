package testproc_test

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/novatrek/support/internal/platform/stream/streamtest"
	"github.com/novatrek/support/internal/testkit/cpustat"
	"github.com/novatrek/support/internal/testkit/kafkatest"
)

// percentiles of a latency sample.
type percentiles struct{ p50, p99, max time.Duration }

// percentilesOf sorts lat in place and reads its p50, p99 and max.
func percentilesOf(lat []time.Duration) percentiles {
	slices.Sort(lat)
	n := len(lat)
	return percentiles{p50: lat[n/2], p99: lat[n*99/100], max: lat[n-1]}
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// pace calls send(i) for i in [0, n) at rate calls per second, on a fixed schedule: call i
// is due at start + i/rate, and a call that falls behind (a slow send, a late wake-up on a
// loaded machine) is made at once, so the average rate holds even when one tick slips. It
// returns the rate achieved.
func pace(n, rate int, send func(i int)) float64 {
	interval := time.Second / time.Duration(rate)
	start := time.Now()
	for i := range n {
		if d := time.Until(start.Add(time.Duration(i) * interval)); d > 0 {
			time.Sleep(d)
		}
		send(i)
	}
	if n < 2 {
		return 0
	}
	return float64(n-1) / time.Since(start).Seconds()
}

// producePaced produces recs at rate and returns when each was acknowledged, and the rate
// achieved.
func producePaced(ctx context.Context, cl *kgo.Client, recs []*kgo.Record, rate int) ([]time.Time, float64, error) {
	acked := make([]time.Time, len(recs)) // each written once by its promise, read after wg.Wait
	var (
		wg      sync.WaitGroup
		err     error
		errOnce sync.Once
	)
	achieved := pace(len(recs), rate, func(i int) {
		wg.Add(1)
		cl.Produce(ctx, recs[i], func(_ *kgo.Record, perr error) {
			defer wg.Done()
			if perr != nil {
				errOnce.Do(func() { err = fmt.Errorf("produce record %d: %w", i, perr) })
				return
			}
			acked[i] = time.Now()
		})
	})
	wg.Wait()
	return acked, achieved, err
}

// kafkaRoundTrip is the broker's share of the pipeline, measured in the same run: n small
// records produced at rate to a topic of as many partitions, by a client with the same
// defaults as the pipeline's upstream producer, each timed from its acknowledgement to its
// receipt by a consumer with the same defaults as the pipeline's output consumer.
func kafkaRoundTrip(b *testing.B, env *kafkatest.Env, rate, n int) percentiles {
	b.Helper()
	ctx := context.Background()
	const topic = "bench.baseline.roundtrip"
	streamtest.CreateTopics(b, env, pipelinePartitions, topic)
	cons := env.Client(b, kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	received := make([]time.Time, n)
	done := make(chan error, 1)
	go func() {
		cctx, cancel := context.WithTimeout(ctx, streamtest.WaitTimeout+time.Duration(n)*time.Second/time.Duration(rate))
		defer cancel()
		for left := n; left > 0; {
			fs := cons.PollFetches(cctx)
			now := time.Now()
			if err := cctx.Err(); err != nil {
				done <- fmt.Errorf("baseline round trip: %d records still missing: %w", left, err)
				return
			}
			if err := fs.Err0(); err != nil {
				done <- fmt.Errorf("baseline round trip: fetch: %w", err)
				return
			}
			for it := fs.RecordIter(); !it.Done(); {
				i, err := strconv.Atoi(string(it.Next().Value))
				if err != nil || i < 0 || i >= n || !received[i].IsZero() {
					done <- fmt.Errorf("baseline round trip: unexpected or repeated record %d (%v)", i, err)
					return
				}
				received[i] = now
				left--
			}
		}
		done <- nil
	}()
	recs := make([]*kgo.Record, n)
	for i := range recs {
		recs[i] = &kgo.Record{Topic: topic, Key: []byte(strconv.Itoa(i % 1000)), Value: []byte(strconv.Itoa(i))}
	}
	acked, _, err := producePaced(ctx, env.Client(b), recs, rate)
	if err != nil {
		b.Fatal(err)
	}
	if err := <-done; err != nil {
		b.Fatal(err)
	}
	lat := make([]time.Duration, n)
	for i := range n {
		lat[i] = max(received[i].Sub(acked[i]), 0)
	}
	return percentilesOf(lat)
}

// commitLatency is PostgreSQL's share, measured in the same run: n single-row inserts at
// rate, each its own transaction on one pooled connection, timed from send to commit.
func commitLatency(b *testing.B, pool *pgxpool.Pool, rate, n int) percentiles {
	b.Helper()
	ctx := context.Background()
	if _, err := pool.Exec(ctx, `CREATE TABLE bench_commit_baseline (id int PRIMARY KEY, at timestamptz NOT NULL)`); err != nil {
		b.Fatal(err)
	}
	lat := make([]time.Duration, n)
	var err error
	pace(n, rate, func(i int) {
		if err != nil {
			return
		}
		start := time.Now()
		_, err = pool.Exec(ctx, `INSERT INTO bench_commit_baseline VALUES ($1, now())`, i)
		lat[i] = time.Since(start)
	})
	if err != nil {
		b.Fatalf("baseline commit: %v", err)
	}
	return percentilesOf(lat)
}

// pipelineCPU is the CPU time the measured run costs: this process (the producer, the
// broker, the runtime, the relay and the consumer all run in it) and the PostgreSQL backends
// of the benchmark's database. Unlike latency on a shared machine, CPU time per event hardly
// moves with the load, so it is the figure to judge a change by.
type pipelineCPU struct {
	pool         *pgxpool.Pool
	self, server time.Duration
}

func startPipelineCPU(b *testing.B, pool *pgxpool.Pool) *pipelineCPU {
	b.Helper()
	server, err := cpustat.Backends(context.Background(), pool)
	if err != nil {
		b.Fatal(err)
	}
	return &pipelineCPU{pool: pool, self: cpustat.Process(), server: server}
}

// report adds the CPU microseconds per event since start, per process kind, to b's metrics.
func (c *pipelineCPU) report(b *testing.B, events int) {
	b.Helper()
	server, err := cpustat.Backends(context.Background(), c.pool)
	if err != nil {
		b.Fatal(err)
	}
	perEvent := func(d time.Duration) float64 { return float64(d.Microseconds()) / float64(events) }
	b.ReportMetric(perEvent(cpustat.Process()-c.self), "cpu-µs/event-process")
	b.ReportMetric(perEvent(server-c.server), "cpu-µs/event-postgres")
}
