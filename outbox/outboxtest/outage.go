package outboxtest

import (
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/novatrek/support/outbox"
)

// testKafkaOutage: while every produce fails, rows wait in the outbox (and the metrics say
// so); once the brokers answer again, every row is published and deleted.
func testKafkaOutage(t *testing.T, open Open) {
	ob := open(t)
	const topic = "novatrek.test.outage"
	c := newCluster(t, topic, 2)
	c.RequireFake(t, "fail every produce (a shared real broker cannot be taken down for one test)")
	outage := c.Cluster.Fault(kfake.Fault{Keys: []kmsg.Key{kmsg.Produce}, Err: kerr.NotLeaderForPartition, Count: -1})
	r := startRelay(t, ob, c, "r1", func(cfg *outbox.Config) {
		// Give up on a record after a second, so the relay's own retry path runs too, and
		// refresh metadata quickly once the brokers recover.
		cfg.ClientOpts = append(cfg.ClientOpts, kgo.RecordDeliveryTimeout(time.Second), kgo.MetadataMinAge(50*time.Millisecond))
	})

	const n = 100
	msgs := make([]outbox.Message, n)
	for i := range msgs {
		msgs[i] = msg(topic, "k"+strconv.Itoa(i%7), strconv.Itoa(i))
	}
	Commit(t, ob, msgs...)

	eventually(t, wait, "failed produce attempts", func() bool { return r.metric(t, "novatrek_outbox_publish_errors_total") > 0 })
	eventually(t, wait, "backlog gauges", func() bool {
		return r.metric(t, "novatrek_outbox_backlog_rows") == n && r.metric(t, "novatrek_outbox_oldest_row_age_seconds") > 0
	})
	if got := ob.Len(t); got != n {
		t.Fatalf("%d rows left during the outage, want all %d", got, n)
	}
	if r.published(t) != 0 {
		t.Fatal("rows counted as published during the outage")
	}

	outage.Remove()
	seen, read := map[string]bool{}, 0
	newConsumer(t, c, topic).until(wait, "every message", func(rs []*kgo.Record) bool {
		for _, rec := range rs[read:] {
			seen[string(rec.Value)] = true
		}
		read = len(rs)
		return len(seen) == n
	})
	drained(t, ob)
	eventually(t, wait, "backlog gauge back to 0", func() bool { return r.metric(t, "novatrek_outbox_backlog_rows") == 0 })
}

// testOrderWhileProducesFail: a backlog keeps two batches in flight, and for 2.5 s every
// produce request is refused as sent to a partition's former leader, long enough for records
// to time out: records of both batches in flight fail. Every key's messages still arrive in
// order, none missing and none repeated, and no acknowledged row overtook a failed one.
func testOrderWhileProducesFail(t *testing.T, open Open) {
	ob := open(t)
	const topic = "novatrek.test.failingproduces"
	c := newCluster(t, topic, 3)
	c.RequireFake(t, "refuse produce requests for a while (a shared real broker cannot be made to)")
	var produces atomic.Int32
	var from atomic.Int64 // when the refusals began, in Unix nanoseconds
	c.Cluster.Fault(kfake.Fault{Keys: []kmsg.Key{kmsg.Produce}, Err: kerr.NotLeaderForPartition, Count: -1,
		When: func(kmsg.Request) bool {
			if produces.Add(1) == 10 { // a few batches in: the backlog is being worked through
				from.Store(time.Now().UnixNano())
			}
			began := from.Load()
			return began != 0 && time.Since(time.Unix(0, began)) < 2500*time.Millisecond
		}})
	const n, batch = 3000, 100
	r := startRelay(t, ob, c, "r1", func(cfg *outbox.Config) {
		cfg.BatchSize = batch
		cfg.ClientOpts = append(cfg.ClientOpts, kgo.RecordDeliveryTimeout(time.Second), kgo.MetadataMinAge(50*time.Millisecond))
	})

	Commit(t, ob, seqMessages(topic, 0, n)...)
	if dups := newConsumer(t, c, topic).checkSequence(n); dups != 0 {
		t.Errorf("%d duplicates on the topic", dups)
	}
	drained(t, ob)
	if got := r.metric(t, "novatrek_outbox_publish_errors_total"); got == 0 {
		t.Error("no produce failed: the refusals missed the backlog")
	}
	if got := r.metric(t, "novatrek_outbox_reordered_total"); got != 0 {
		t.Errorf("%v rows acknowledged after a failed row of their key", got)
	}
}
