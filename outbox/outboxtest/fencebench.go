package outboxtest

import (
	"testing"

	"github.com/novatrek/support/outbox"
)

// fence turns on outbox.Config.Fence.
func fence(cfg *outbox.Config) { cfg.Fence = true }

// FencedThroughput relays Throughput's backlog twice in one run, with fencing (one
// transaction per pipeline of batches, see outbox/fence.go) and without, and returns both
// rates in rows/s: the cost of fencing on a backlog, beside its own baseline.
func FencedThroughput(b *testing.B, open Open) (fenced, plain float64) {
	const fencedTopic, plainTopic = "novatrek.bench.throughput.fenced", "novatrek.bench.throughput"
	c := newCluster(b, fencedTopic, 6)
	c.CreateTopics(b, 6, plainTopic)
	_, fenced = relayBacklogOn(b, open, c, fencedTopic, [][]byte{benchValue}, fence)
	_, plain = relayBacklogOn(b, open, c, plainTopic, [][]byte{benchValue})
	return fenced, plain
}

// FencedEndToEndLatency runs EndToEndLatency with fencing, then without, in one run, and
// reports p50_ms, p99_ms and max_ms of the fenced relay beside plain_p50_ms and plain_p99_ms:
// at a low rate every row is its own transaction, so this is fencing's cost per batch
// (AddPartitionsToTxn and EndTxn round trips, and the commit marker a read-committed
// consumer waits for).
func FencedEndToEndLatency(b *testing.B, open Open) {
	const fencedTopic, plainTopic = "novatrek.bench.latency.fenced", "novatrek.bench.latency"
	c := newCluster(b, fencedTopic, 3)
	c.CreateTopics(b, 3, plainTopic)
	p50, p99, maxLat := endToEndLatencyOn(b, open, c, fencedTopic, fence)
	plain50, plain99, _ := endToEndLatencyOn(b, open, c, plainTopic)
	b.ReportMetric(p50, "p50_ms")
	b.ReportMetric(p99, "p99_ms")
	b.ReportMetric(maxLat, "max_ms")
	b.ReportMetric(plain50, "plain_p50_ms")
	b.ReportMetric(plain99, "plain_p99_ms")
}
