package pgoutbox_test

import (
	"testing"

	"github.com/novatrek/support/outbox/outboxtest"
)

// BenchmarkRelayThroughputFenced relays the throughput backlog with a fencing relay
// (outbox.Config.Fence) and, in the same run, without fencing and as a raw DELETE …
// RETURNING drain: rows/s of each, x_plain (fenced / plain) and x_raw (fenced / raw).
func BenchmarkRelayThroughputFenced(b *testing.B) {
	raw, _ := rawDrain(b, outboxtest.ThroughputRows(b))
	fenced, plain := outboxtest.FencedThroughput(b, open)
	b.ReportMetric(fenced, "rows/s")
	b.ReportMetric(plain, "plain_rows/s")
	b.ReportMetric(raw, "raw_drain_rows/s")
	b.ReportMetric(fenced/plain, "x_plain")
	b.ReportMetric(fenced/raw, "x_raw")
}

// BenchmarkEndToEndLatencyFenced is BenchmarkEndToEndLatency with a fencing relay, beside
// the plain relay in the same run (see outboxtest.FencedEndToEndLatency).
func BenchmarkEndToEndLatencyFenced(b *testing.B) { outboxtest.FencedEndToEndLatency(b, open) }
