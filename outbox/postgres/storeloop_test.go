package pgoutbox_test

import (
	"context"
	"testing"
	"time"

	"github.com/novatrek/support/outbox"
	"github.com/novatrek/support/outbox/outboxtest"
)

// BenchmarkStoreLoop is the relay's PostgreSQL side alone, without Kafka, beside the raw
// drain of as many rows in the same run: a fetch from the oldest row, then the pipelined
// statement (delete the previous batch, check for a late row, fetch the next) until the
// outbox is empty, 1,000 rows a batch, as the relay runs it through a backlog. x_raw is the
// ratio of the rates; server_cpu_us/row beside raw_server_cpu_us/row is the figure that holds
// still on a loaded machine (what the late-row check costs shows there).
func BenchmarkStoreLoop(b *testing.B) {
	n := outboxtest.ThroughputRows(b)
	raw, rawCPU := rawDrain(b, n)
	ctx := context.Background()
	ob := open(b).(*pgOutbox)
	for first := 0; first < n; first += 1000 {
		msgs := make([]outbox.Message, min(1000, n-first))
		for i := range msgs {
			msgs[i] = outboxtest.ThroughputMessage("novatrek.bench.store", first+i)
		}
		outboxtest.Commit(b, ob, msgs...)
	}
	sess, ok, err := ob.Store().TryLead(ctx)
	if err != nil || !ok {
		b.Fatalf("lead: %v %v", ok, err)
	}
	defer sess.Close(ctx)
	fa := sess.(aheadFetcher)
	b.ResetTimer()
	start, cpu := time.Now(), ob.ServerCPU(b)
	rows, err := sess.Fetch(ctx, 1000)
	var held []int64
	for relayed := 0; err == nil && len(rows) > 0; relayed += len(rows) {
		acked := held
		held = make([]int64, 0, len(acked)+len(rows))
		held = append(held, acked...)
		for _, r := range rows {
			held = append(held, r.ID)
		}
		last := rows[len(rows)-1].ID
		rows, err = fa.DeleteAndFetchAfter(ctx, acked, last, held, 1000)
		held = held[len(acked):]
	}
	if err != nil {
		b.Fatal(err)
	}
	if err := sess.Delete(ctx, held); err != nil {
		b.Fatal(err)
	}
	elapsed, cpu := time.Since(start), ob.ServerCPU(b)-cpu
	b.StopTimer()
	if left := ob.Len(b); left != 0 {
		b.Fatalf("%d rows left after the loop", left)
	}
	rate := float64(n) / elapsed.Seconds()
	b.ReportMetric(rate, "rows/s")
	b.ReportMetric(float64(cpu.Microseconds())/float64(n), "server_cpu_us/row")
	b.ReportMetric(raw, "raw_drain_rows/s")
	b.ReportMetric(rawCPU, "raw_server_cpu_us/row")
	b.ReportMetric(rate/raw, "x_raw")
}
