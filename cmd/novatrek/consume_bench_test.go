package main

import (
	"context"
	"io"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/novatrek/support/internal/testkit/kafkatest"
	"github.com/novatrek/support/internal/testkit/testproc"
)

// BenchmarkConsume measures `novatrek consume` decoding a topic of reservation.created events
// (6 partitions, CONSUME_BENCH_RECORDS records, default 1,000,000) to JSON lines written to
// /dev/null (os.DevNull: real write system calls, as `> /dev/null` would make), beside franz-go consuming the same records raw (no decoding) in the same run:
// the difference is the price of decoding and printing.
func BenchmarkConsume(b *testing.B) {
	n := 1_000_000
	if s := os.Getenv("CONSUME_BENCH_RECORDS"); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil || v <= 0 {
			b.Fatalf("CONSUME_BENCH_RECORDS=%q: want a positive integer", s)
		}
		n = v
	}
	env := kafkatest.New(b, kfake.SeedTopics(6, pcTopic))
	fill(b, env, n)
	brokers := env.Brokers[0]

	b.Run("raw-franz-go", func(b *testing.B) {
		for b.Loop() {
			cl := env.Client(b, kgo.ConsumeTopics(pcTopic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
				kgo.FetchMaxBytes(64<<20), kgo.FetchMaxPartitionBytes(16<<20))
			got := 0
			for got < n {
				fs := cl.PollFetches(context.Background())
				if err := fs.Err0(); err != nil {
					b.Fatal(err)
				}
				got += fs.NumRecords()
			}
			cl.Close()
		}
		b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "records/s")
	})
	devNull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		b.Fatal(err)
	}
	defer devNull.Close()
	b.Run("novatrek-consume-json", func(b *testing.B) {
		for b.Loop() {
			root := newRootCmd()
			root.SetOut(devNull)
			root.SetErr(io.Discard)
			root.SetArgs([]string{"consume", "--topic", pcTopic, "--brokers", brokers, "--registry", env.RegistryURL})
			if err := root.ExecuteContext(context.Background()); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "records/s")
	})
}

// fill produces n created events (1,000 distinct values, encoded once, cycled) keyed by
// reservation id.
func fill(b *testing.B, env *kafkatest.Env, n int) {
	b.Helper()
	start := time.Now()
	ctx := context.Background()
	g := testproc.Producer{}
	var proto []*kgo.Record
	for i := range 1000 {
		r, err := g.CreatedRecord(ctx, env.Serde, pcTopic, i)
		if err != nil {
			b.Fatal(err)
		}
		proto = append(proto, r)
	}
	cl := env.Client(b, kgo.ProducerLinger(5*time.Millisecond), kgo.MaxBufferedRecords(100_000),
		kgo.ProducerBatchMaxBytes(1<<20))
	errc := make(chan error, 1)
	for i := range n {
		p := proto[i%len(proto)]
		cl.Produce(ctx, &kgo.Record{Topic: pcTopic, Key: p.Key, Value: p.Value}, func(_ *kgo.Record, err error) {
			if err != nil {
				select {
				case errc <- err:
				default:
				}
			}
		})
	}
	if err := cl.Flush(ctx); err != nil {
		b.Fatal(err)
	}
	select {
	case err := <-errc:
		b.Fatal(err)
	default:
	}
	b.Logf("produced %d records in %v", n, time.Since(start).Round(time.Millisecond))
}
