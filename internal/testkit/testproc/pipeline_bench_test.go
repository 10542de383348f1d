package testproc_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/novatrek/support/internal/platform/stream"
	"github.com/novatrek/support/internal/platform/stream/streamtest"
	"github.com/novatrek/support/internal/platform/topology"
	"github.com/novatrek/support/internal/testkit/kafkatest"
	"github.com/novatrek/support/internal/testkit/pgtest"
	"github.com/novatrek/support/internal/testkit/testproc"
	"github.com/novatrek/support/outbox"
	pgoutbox "github.com/novatrek/support/outbox/postgres"
	"github.com/novatrek/support/schemas"
)

// Pipeline benchmark sizes:
//
//	PIPELINE_BENCH_EVENTS  input events produced at 200 events/s (default 2000, i.e. 10 s)
const (
	pipelineRate       = 200 // input events per second
	pipelinePartitions = 6   // as topics.yaml gives both topics
	pipelineWarmup     = 20  // events sent (and awaited) before the measured ones
)

// BenchmarkPipelineLatency measures the whole path of one event through a service: an
// upstream producer writes created events at a steady 200 events/s; the stream runtime
// (per-event routes, production defaults) projects each one and enqueues a notification
// request in the same transaction; the outbox relay (production defaults: woken by
// LISTEN/NOTIFY, 1 s polling fallback) publishes it; a separate consumer receives it.
//
// Latency is the consumer's receipt of the output minus the moment the input's produce was
// acknowledged; outputs are matched to inputs by their causation id (the input event id).
// It reports p50_ms, p99_ms, max_ms and the input rate achieved (events/s), and fails if an
// output is missing, duplicated or does not name a measured input. A warm-up (group join,
// relay leadership, schema caches) runs first and is not measured. The run happens once,
// whatever b.N: run it with -benchtime 1x. Target (issue 2): p99 ≤ 50 ms.
func BenchmarkPipelineLatency(b *testing.B) {
	n := 2000
	if v, err := strconv.Atoi(os.Getenv("PIPELINE_BENCH_EVENTS")); err == nil && v > 0 {
		n = v
	}
	ctx := context.Background()

	env := kafkatest.New(b)
	pool := pgtest.NewDB(b)
	if err := testproc.Migrate(ctx, pool, testproc.Schema); err != nil {
		b.Fatal(err)
	}
	streamtest.CreateTopics(b, env, pipelinePartitions, testproc.CreatedTopic, testproc.StatusTopic, testproc.OutputTopic)
	streamtest.CreateTopics(b, env, 1, topology.DeadLetterTopic(testproc.Group))

	startPipeline(b, env, pool)

	// Inputs, encoded up front so the ticker loop only hands records to the client. The
	// warm-up events come first, under their own seed.
	warm := testproc.Producer{Seed: "pipeline-warmup"}
	gen := testproc.Producer{Seed: "pipeline"}
	warmRecs := make([]*kgo.Record, pipelineWarmup)
	for i := range warmRecs {
		r, err := warm.CreatedRecord(ctx, env.Serde, testproc.CreatedTopic, i)
		if err != nil {
			b.Fatal(err)
		}
		warmRecs[i] = r
	}
	recs := make([]*kgo.Record, n)
	index := make(map[string]int, n) // input event id → index
	for i := range recs {
		r, err := gen.CreatedRecord(ctx, env.Serde, testproc.CreatedTopic, i)
		if err != nil {
			b.Fatal(err)
		}
		recs[i] = r
		index[gen.Created(i).Metadata.EventID] = i
	}

	cons := startOutputConsumer(b, env, index, n)

	// The upstream producer keeps franz-go's defaults, as another service would; its
	// linger happens before the acknowledgement, so it is not part of the latency.
	producer := env.Client(b)
	if err := producer.ProduceSync(ctx, warmRecs...).FirstErr(); err != nil {
		b.Fatalf("produce warm-up events: %v", err)
	}
	streamtest.Eventually(b, "warm-up outputs received", func() (bool, error) {
		warmed, err := cons.warmed()
		return warmed >= pipelineWarmup, err
	})

	acked := make([]time.Time, n) // each written once by its promise, read after wg.Wait
	var (
		wg         sync.WaitGroup
		produceErr error
		errOnce    sync.Once
	)
	tick := time.NewTicker(time.Second / pipelineRate)
	defer tick.Stop()
	b.ResetTimer()
	first := time.Now()
	for i, r := range recs {
		<-tick.C
		if i == 0 {
			first = time.Now()
		}
		wg.Add(1)
		producer.Produce(ctx, r, func(_ *kgo.Record, err error) {
			defer wg.Done()
			if err != nil {
				errOnce.Do(func() { produceErr = fmt.Errorf("produce input %d: %w", i, err) })
				return
			}
			acked[i] = time.Now()
		})
	}
	last := time.Now()
	wg.Wait()
	if produceErr != nil {
		b.Fatal(produceErr)
	}
	received := cons.wait(b)
	b.StopTimer()

	checkPipelineExactlyOnce(b, env, pool, n)

	lat := make([]time.Duration, n)
	for i := range n {
		// The runtime can fetch an input before the producer sees its acknowledgement;
		// such an output counts as 0.
		lat[i] = max(received[i].Sub(acked[i]), 0)
	}
	slices.Sort(lat)
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	b.ReportMetric(ms(lat[n/2]), "p50_ms")
	b.ReportMetric(ms(lat[n*99/100]), "p99_ms")
	b.ReportMetric(ms(lat[n-1]), "max_ms")
	if n > 1 {
		b.ReportMetric(float64(n-1)/last.Sub(first).Seconds(), "events/s")
	}
}

// startPipeline runs the test processor's runtime and its outbox relay, both with
// production defaults, until the benchmark ends.
func startPipeline(b *testing.B, env *kafkatest.Env, pool *pgxpool.Pool) {
	b.Helper()
	tp, err := testproc.New(testproc.Schema, env.Serde)
	if err != nil {
		b.Fatal(err)
	}
	proc, err := stream.New(stream.Config{
		Group:   testproc.Group,
		Brokers: env.Brokers,
		Pool:    pool,
		Schema:  testproc.Schema,
		Routes:  tp.Routes(),
		Serde:   env.Serde,
		Logger:  streamtest.Logger(b, slog.LevelWarn),
	})
	if err != nil {
		b.Fatal(err)
	}
	streamtest.Start(b, proc)

	ob, err := pgoutbox.New(testproc.Schema)
	if err != nil {
		b.Fatal(err)
	}
	streamtest.StartRelay(b, outbox.Config{
		Store:      ob.Store(pool),
		ClientOpts: []kgo.Opt{kgo.SeedBrokers(env.Brokers...)},
		Logger:     streamtest.Logger(b, slog.LevelWarn),
	})
}

// outputConsumer reads the output topic from the start and stamps each notification
// request with the time its fetch returned, before decoding it.
type outputConsumer struct {
	n    int
	done chan struct{}

	mu       sync.Mutex
	received []time.Time // by input index
	warm     int         // outputs of warm-up inputs
	err      error       // a duplicate, a stranger or a failure; set before done closes
}

func startOutputConsumer(b *testing.B, env *kafkatest.Env, index map[string]int, n int) *outputConsumer {
	b.Helper()
	c := &outputConsumer{n: n, done: make(chan struct{}), received: make([]time.Time, n)}
	cl := env.Client(b, kgo.ConsumeTopics(testproc.OutputTopic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	warmPrefix := testproc.Producer{Seed: "pipeline-warmup"}
	warmIDs := map[string]bool{}
	for i := range pipelineWarmup {
		warmIDs[warmPrefix.Created(i).Metadata.EventID] = true
	}
	// Long enough for the paced run plus a generous drain; a stall fails instead of hanging.
	ctx, cancel := context.WithTimeout(context.Background(), streamtest.WaitTimeout+time.Duration(n)*time.Second/pipelineRate)
	b.Cleanup(cancel)
	go func() {
		defer close(c.done)
		schema := (&schemas.NotificationRequested{}).Schema()
		for left := n; left > 0; {
			fs := cl.PollFetches(ctx)
			now := time.Now()
			if err := ctx.Err(); err != nil {
				c.fail(fmt.Errorf("%d outputs still missing: %w", left, err))
				return
			}
			var ferr error
			fs.EachError(func(topic string, p int32, err error) {
				ferr = fmt.Errorf("fetch %s/%d: %w", topic, p, err)
			})
			if ferr != nil {
				c.fail(ferr)
				return
			}
			for it := fs.RecordIter(); !it.Done(); {
				rec := it.Next()
				var v schemas.NotificationRequested
				if err := env.Serde.Decode(ctx, rec.Value, schema, &v); err != nil {
					c.fail(fmt.Errorf("decode output at %d/%d: %w", rec.Partition, rec.Offset, err))
					return
				}
				cause := ""
				if v.Metadata.CausationID != nil {
					cause = *v.Metadata.CausationID
				}
				c.mu.Lock()
				i, ok := index[cause]
				switch {
				case warmIDs[cause]:
					c.warm++
				case !ok:
					c.err = fmt.Errorf("output %s names no input (causation id %q)", v.Metadata.EventID, cause)
				case !c.received[i].IsZero():
					c.err = fmt.Errorf("output for input %d received twice", i)
				default:
					c.received[i] = now
					left--
				}
				err := c.err
				c.mu.Unlock()
				if err != nil {
					return
				}
			}
		}
	}()
	return c
}

func (c *outputConsumer) fail(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.err = err
}

// warmed is how many warm-up outputs arrived, or the error the consumer stopped on.
func (c *outputConsumer) warmed() (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.warm, c.err
}

// wait returns the receipt time of every measured output once all have arrived.
func (c *outputConsumer) wait(b *testing.B) []time.Time {
	b.Helper()
	<-c.done
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err != nil {
		b.Fatalf("output consumer: %v", c.err)
	}
	return c.received
}

// checkPipelineExactlyOnce waits for the relay to empty the outbox (every row produced
// and acknowledged) and then checks that the output topic holds exactly one record per
// input, warm-up included, each input was applied once, and nothing was dead-lettered.
// A duplicate published after the consumer had its n outputs shows up here.
func checkPipelineExactlyOnce(b *testing.B, env *kafkatest.Env, pool *pgxpool.Pool, n int) {
	b.Helper()
	ctx := context.Background()
	count := func(sql string) (int, error) {
		var c int
		err := pool.QueryRow(ctx, sql).Scan(&c)
		return c, err
	}
	streamtest.Eventually(b, "outbox drained", func() (bool, error) {
		c, err := count(`SELECT count(*) FROM testproc.outbox`)
		return c == 0, err
	})
	want := n + pipelineWarmup
	applied, err := count(`SELECT count(*) FROM testproc.applied_events`)
	if err != nil {
		b.Fatal(err)
	}
	if applied != want {
		b.Errorf("%d events applied, want %d (one per input)", applied, want)
	}
	ends, err := kadm.NewClient(env.Client(b)).ListEndOffsets(ctx, testproc.OutputTopic, topology.DeadLetterTopic(testproc.Group))
	if err != nil {
		b.Fatal(err)
	}
	outputs, dead := int64(0), int64(0)
	if err := ends.Error(); err != nil {
		b.Fatalf("list end offsets: %v", err)
	}
	ends.Each(func(o kadm.ListedOffset) {
		if o.Topic == testproc.OutputTopic {
			outputs += o.Offset
		} else {
			dead += o.Offset
		}
	})
	if outputs != int64(want) {
		b.Errorf("%d records on %s, want exactly %d (one per input)", outputs, testproc.OutputTopic, want)
	}
	if dead != 0 {
		b.Errorf("%d records dead-lettered, want none", dead)
	}
}
