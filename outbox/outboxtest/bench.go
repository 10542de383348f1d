package outboxtest

import (
	"context"
	"slices"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/novatrek/support/internal/testkit/cpustat"
	"github.com/novatrek/support/internal/testkit/kafkatest"
	"github.com/novatrek/support/outbox"
)

// benchValue is the size of a typical event: metadata plus a dozen fields, Avro-encoded.
var benchValue = make([]byte, 200)

// Throughput relays ThroughputRows(b) pre-enqueued rows (1,000 keys, 6 partitions, 200-byte
// values) to the in-process Kafka and reports and returns rows/s, from the relay's start
// until the last row was acknowledged and deleted. An engine's benchmark sets it beside the
// store's own limit measured in the same run (outbox/postgres: a raw DELETE … RETURNING
// drain of as many rows).
func Throughput(b *testing.B, open Open) float64 {
	_, rate := relayBacklog(b, open, [][]byte{benchValue})
	return rate
}

// ThroughputRows is how many rows Throughput relays: max(b.N, 100,000), a floor that keeps
// the figure meaningful under -benchtime 1x.
func ThroughputRows(b *testing.B) int { return max(b.N, 100_000) }

// ThroughputMessage is the message of row i of a throughput run.
func ThroughputMessage(topic string, i int) outbox.Message {
	return outbox.Message{Topic: topic, Key: []byte("agg-" + strconv.Itoa(i%1000)), Value: benchValue}
}

// CompressedThroughput is Throughput with the relay's producer compressing with codec (a
// kgo.ProducerBatchCompression option) and values cycled as the rows' values: give it real
// events, since compression gains depend on the data. wire_B/row (reported by every
// throughput run) is then the figure to compare: the bytes of Produce requests per row.
func CompressedThroughput(b *testing.B, open Open, codec kgo.Opt, values [][]byte) {
	relayBacklog(b, open, values, func(cfg *outbox.Config) {
		cfg.ClientOpts = append(cfg.ClientOpts, codec)
	})
}

// ServerCPU is an Outbox whose store runs on this machine and can say how much CPU its
// server has spent so far for this outbox (PostgreSQL: the backends connected to its
// database). The throughput benchmarks then report it per row beside this process's.
type ServerCPU interface {
	ServerCPU(t testing.TB) time.Duration
}

// relayBacklog enqueues ThroughputRows(b) rows of values (cycled), relays them from the
// relay's start until the last one is deleted, and returns the row count and the rate. It
// reports rows/s; the CPU per row of this process (the relay, and kfake's broker when that is
// the cluster) and of the store's server when ob is a ServerCPU, both from the relay's start
// until the last delete; the rows one Produce request carried on average; and wire_B/row,
// the bytes of those requests per row.
func relayBacklog(b *testing.B, open Open, values [][]byte, edit ...func(*outbox.Config)) (int, float64) {
	const topic = "novatrek.bench.throughput"
	return relayBacklogOn(b, open, newCluster(b, topic, 6), topic, values, edit...)
}

// relayBacklogOn is relayBacklog on cluster c's topic (6 partitions), for a benchmark that
// compares two relays on one cluster (a real broker is leased to one Env at a time).
func relayBacklogOn(b *testing.B, open Open, c *kafkatest.Env, topic string, values [][]byte, edit ...func(*outbox.Config)) (int, float64) {
	ob := open(b)
	n := ThroughputRows(b)
	for first := 0; first < n; first += 1000 {
		msgs := make([]outbox.Message, min(1000, n-first))
		for i := range msgs {
			msgs[i] = ThroughputMessage(topic, first+i)
			msgs[i].Value = values[(first+i)%len(values)]
		}
		Commit(b, ob, msgs...)
	}
	server, _ := ob.(ServerCPU)
	serverCPU := func() time.Duration {
		if server == nil {
			return 0
		}
		return server.ServerCPU(b)
	}
	var wire produceRequests
	count := func(cfg *outbox.Config) { cfg.ClientOpts = append(cfg.ClientOpts, kgo.WithHooks(&wire)) }
	b.ResetTimer()
	start, goCPU, pgCPU := time.Now(), cpustat.Process(), serverCPU()
	r := startRelay(b, ob, c, "bench", append([]func(*outbox.Config){productionDefaults, count}, edit...)...)
	// The hook's count, not the relay's metric: gathering the metrics registry every 5 ms
	// allocated about a tenth as much as the relay itself, garbage the measured CPU paid for.
	eventually(b, 10*time.Minute, "every row published", func() bool { return wire.acked.Load() >= int64(n) })
	eventually(b, time.Minute, "every row deleted", func() bool { return ob.Len(b) == 0 })
	elapsed, goCPU, pgCPU := time.Since(start), cpustat.Process()-goCPU, serverCPU()-pgCPU
	if published := r.published(b); published < float64(n) {
		b.Fatalf("the relay counted %v rows published, want %d", published, n)
	}
	b.StopTimer()
	rate := float64(n) / elapsed.Seconds()
	b.ReportMetric(rate, "rows/s")
	b.ReportMetric(float64(goCPU.Microseconds())/float64(n), "go_cpu_us/row")
	if server != nil {
		b.ReportMetric(float64(pgCPU.Microseconds())/float64(n), "server_cpu_us/row")
	}
	if reqs := wire.requests.Load(); reqs > 0 {
		b.ReportMetric(float64(n)/float64(reqs), "rows/produce_req")
	}
	b.ReportMetric(float64(wire.bytes.Load())/float64(n), "wire_B/row")
	return n, rate
}

// produceRequests counts the Produce requests (API key 0) a client wrote, their bytes, and
// the records the brokers acknowledged.
type produceRequests struct{ requests, bytes, acked atomic.Int64 }

func (p *produceRequests) OnProduceRecordUnbuffered(_ *kgo.Record, err error) {
	if err == nil {
		p.acked.Add(1)
	}
}

func (p *produceRequests) OnBrokerWrite(_ kgo.BrokerMetadata, key int16, written int, _, _ time.Duration, _ error) {
	if key == 0 {
		p.requests.Add(1)
		p.bytes.Add(int64(written))
	}
}

// EndToEndLatency commits one row per transaction at 200 rows/s and measures from the commit
// returning to a consumer receiving the record: notification, fetch, produce, broker
// acknowledgement, consumer fetch. It sends max(b.N, 1000) rows (5 s at least, so p99 rests
// on 10 samples or more even under -benchtime 1x) and reports p50, p99 and max.
// Target: p99 ≤ 50 ms.
func EndToEndLatency(b *testing.B, open Open) {
	p50, p99, maxLat := endToEndLatency(b, open)
	b.ReportMetric(p50, "p50_ms")
	b.ReportMetric(p99, "p99_ms")
	b.ReportMetric(maxLat, "max_ms")
}

// endToEndLatency is EndToEndLatency's run, returning p50, p99 and max in milliseconds.
func endToEndLatency(b *testing.B, open Open, edit ...func(*outbox.Config)) (p50, p99, maxLat float64) {
	const topic = "novatrek.bench.latency"
	return endToEndLatencyOn(b, open, newCluster(b, topic, 3), topic, edit...)
}

// endToEndLatencyOn is endToEndLatency on cluster c's topic (3 partitions, empty).
func endToEndLatencyOn(b *testing.B, open Open, c *kafkatest.Env, topic string, edit ...func(*outbox.Config)) (p50, p99, maxLat float64) {
	ob := open(b)
	r := startRelay(b, ob, c, "bench", append([]func(*outbox.Config){productionDefaults}, edit...)...)
	eventually(b, time.Minute, "relay leads", func() bool { return r.leads(b) })

	n := max(b.N, 1000)
	committed := make([]time.Time, n) // written by this goroutine
	received := make([]time.Time, n)  // written by the consumer goroutine
	cons := newConsumer(b, c, topic)
	consumed := make(chan error, 1)
	go func() {
		defer close(consumed)
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute+time.Duration(n)*10*time.Millisecond)
		defer cancel()
		for left := n; left > 0; {
			fs := cons.cl.PollFetches(ctx)
			if err := ctx.Err(); err != nil {
				consumed <- err
				return
			}
			now := time.Now()
			fs.EachRecord(func(rec *kgo.Record) {
				if i, err := strconv.Atoi(string(rec.Key)); err == nil && i < n && received[i].IsZero() {
					received[i] = now
					left--
				}
			})
		}
	}()

	tick := time.NewTicker(5 * time.Millisecond) // 200 rows/s
	defer tick.Stop()
	b.ResetTimer()
	for i := range n {
		<-tick.C
		Commit(b, ob, outbox.Message{Topic: topic, Key: []byte(strconv.Itoa(i)), Value: benchValue})
		committed[i] = time.Now()
	}
	if err := <-consumed; err != nil {
		b.Fatalf("consumer: %v", err)
	}
	b.StopTimer()

	// A record can arrive before Commit returns to the client: that counts as 0.
	lat := make([]time.Duration, n)
	for i := range n {
		lat[i] = max(received[i].Sub(committed[i]), 0)
	}
	slices.Sort(lat)
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	return ms(lat[n/2]), ms(lat[n*99/100]), ms(lat[n-1])
}

// productionDefaults undoes the test shortcuts of startRelay: benchmarks measure the relay
// as a service runs it (1s polling fallback, 5s backlog measurement, quiet logs), so only
// notifications make it fast.
func productionDefaults(cfg *outbox.Config) {
	cfg.LeaseRetry = 0
	cfg.RetryBackoff = 0
	cfg.StatsInterval = 0
	cfg.Logger = nil
}
