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
	_, fenced = relayBacklog(b, open, [][]byte{benchValue}, fence)
	_, plain = relayBacklog(b, open, [][]byte{benchValue})
	return fenced, plain
}

// FencedEndToEndLatency runs EndToEndLatency with fencing, then without, in one run, and
// reports p50_ms, p99_ms and max_ms of the fenced relay beside plain_p50_ms and plain_p99_ms:
// at a low rate every row is its own transaction, so this is fencing's cost per batch
// (AddPartitionsToTxn and EndTxn round trips, and the commit marker a read-committed
// consumer waits for).
func FencedEndToEndLatency(b *testing.B, open Open) {
	p50, p99, maxLat := endToEndLatency(b, open, fence)
	plain50, plain99, _ := endToEndLatency(b, open)
	b.ReportMetric(p50, "p50_ms")
	b.ReportMetric(p99, "p99_ms")
	b.ReportMetric(maxLat, "max_ms")
	b.ReportMetric(plain50, "plain_p50_ms")
	b.ReportMetric(plain99, "plain_p99_ms")
}
