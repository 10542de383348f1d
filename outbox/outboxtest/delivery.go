package outboxtest

import (
	"bytes"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"testing"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/novatrek/support/outbox"
)

// testRollback: a rolled-back transaction leaves no row and puts nothing on Kafka.
func testRollback(t *testing.T, open Open) {
	ob := open(t)
	const topic = "novatrek.test.rollback"
	c := newCluster(t, topic, 1)
	startRelay(t, ob, c, "r1")

	tx := ob.Begin(t)
	tx.Enqueue(t, msg(topic, "k", "rolled back"))
	tx.Rollback(t)
	if n := ob.Len(t); n != 0 {
		t.Fatalf("%d outbox rows after rollback, want 0", n)
	}
	// A message committed after the rollback is published; on a one-partition topic anything
	// published before it would be read first, so the rolled-back one never was.
	Commit(t, ob, msg(topic, "k", "committed"))
	got := newConsumer(t, c, topic).count(1)
	if len(got) != 1 || string(got[0].Value) != "committed" {
		t.Fatalf("topic holds %d records, first %q; want only the committed message", len(got), got[0].Value)
	}
}

// testSlowTransaction: ids are taken at insert, not at commit. The slow transaction takes its
// id first and commits last; its row must still be published (the watermark trap).
func testSlowTransaction(t *testing.T, open Open) {
	ob := open(t)
	const topic = "novatrek.test.slow"
	c := newCluster(t, topic, 1)
	startRelay(t, ob, c, "r1")
	cons := newConsumer(t, c, topic)

	slow := ob.Begin(t)
	slow.Enqueue(t, msg(topic, "a", "slow"))
	fast := ob.Begin(t)
	fast.Enqueue(t, msg(topic, "b", "fast"))
	fast.Commit(t)

	// The later row is published while the earlier one is uncommitted...
	if got := cons.count(1); string(got[0].Value) != "fast" {
		t.Fatalf("first record %q, want fast", got[0].Value)
	}
	drained(t, ob)
	// ...and the earlier row, committed last, is not skipped.
	slow.Commit(t)
	if got := cons.count(1); string(got[0].Value) != "slow" {
		t.Fatalf("second record %q, want slow", got[0].Value)
	}
	drained(t, ob)
}

// testSlowTransactionDuringABacklog: the relay fetches ahead by id while it works through a
// backlog (see outbox/publish.go), which passes over a row committed late with a lower id; it
// goes back to the oldest row every few batches, so that row is published soon after its
// commit, not when the backlog ends.
func testSlowTransactionDuringABacklog(t *testing.T, open Open) {
	ob := open(t)
	const topic = "novatrek.test.slowbacklog"
	c := newCluster(t, topic, 1)
	slow := ob.Begin(t)
	slow.Enqueue(t, msg(topic, "slow", "slow")) // takes the lowest id
	const n, batch = 2000, 10
	for i := 0; i < n; i += 500 {
		Commit(t, ob, seqMessages(topic, i, 500)...)
	}
	r := startRelay(t, ob, c, "r1", func(cfg *outbox.Config) { cfg.BatchSize = batch })
	eventually(t, wait, "relay publishing", func() bool { return r.published(t) > 0 })
	slow.Commit(t)
	committedAt := r.published(t) // rows on the topic when the slow row became visible, at least

	got := newConsumer(t, c, topic).count(n + 1)
	at := slices.IndexFunc(got, func(rec *kgo.Record) bool { return string(rec.Value) == "slow" })
	// Up to a streak of batches fetched ahead, the batch in flight and the one fetched with it.
	if limit := int(committedAt) + (outbox.MaxAheadStreak+2)*batch; at < 0 || at > limit {
		t.Fatalf("the slow row is record %d of %d, want it by record %d (committed after %v were published)", at, len(got), limit, committedAt)
	}
	drained(t, ob)
}

// testRoundTrip: keys, values and headers reach Kafka byte for byte, nil kept apart from
// empty (an unkeyed record, a tombstone, a null header value).
func testRoundTrip(t *testing.T, open Open) {
	ob := open(t)
	const topic = "novatrek.test.roundtrip"
	c := newCluster(t, topic, 1)
	startRelay(t, ob, c, "r1")

	want := []outbox.Message{
		{Topic: topic, Key: []byte("res-42"), Value: []byte{0, 0, 0, 0, 7, 2, 'x'}, Headers: []outbox.Header{
			{Key: "traceparent", Value: []byte("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")},
			{Key: "empty", Value: []byte{}},
			{Key: "null", Value: nil},
			{Key: "dup", Value: []byte("1")},
			{Key: "dup", Value: []byte("2")},
		}},
		{Topic: topic, Key: nil, Value: []byte("unkeyed")},
		{Topic: topic, Key: []byte("res-42"), Value: nil}, // tombstone
	}
	Commit(t, ob, want...)
	got := newConsumer(t, c, topic).count(len(want))
	sameBytes := func(a, b []byte) bool { return bytes.Equal(a, b) && (a == nil) == (b == nil) }
	for i, w := range want {
		g := got[i]
		if !sameBytes(g.Key, w.Key) || !sameBytes(g.Value, w.Value) {
			t.Errorf("record %d = %q/%q, want %q/%q (nil: key %v/%v, value %v/%v)",
				i, g.Key, g.Value, w.Key, w.Value, g.Key == nil, w.Key == nil, g.Value == nil, w.Value == nil)
		}
		// The relay appends its RowHeader after the message's own headers.
		if len(g.Headers) != len(w.Headers)+1 {
			t.Fatalf("record %d has %d headers, want %d and the relay's", i, len(g.Headers), len(w.Headers))
		}
		if last := g.Headers[len(w.Headers)]; last.Key != outbox.RowHeader {
			t.Errorf("record %d: last header %q, want %s", i, last.Key, outbox.RowHeader)
		} else if _, _, ok := outbox.RowOf(g); !ok {
			t.Errorf("record %d: %s %q does not name a store and row", i, outbox.RowHeader, last.Value)
		}
		for j, h := range w.Headers {
			if g.Headers[j].Key != h.Key || !sameBytes(g.Headers[j].Value, h.Value) {
				t.Errorf("record %d header %d = %s:%q, want %s:%q", i, j, g.Headers[j].Key, g.Headers[j].Value, h.Key, h.Value)
			}
		}
	}
	drained(t, ob)
}

// testOrderPerKey: concurrent writers, each owning its keys (writers of one aggregate
// serialize on its row), commit transactions of varying size interleaving their keys; the
// relay works in small batches over several partitions. Every key's messages arrive in
// enqueue order, none missing, none repeated.
func testOrderPerKey(t *testing.T, open Open) {
	ob := open(t)
	const topic = "novatrek.test.order"
	c := newCluster(t, topic, 4)
	startRelay(t, ob, c, "r1", func(cfg *outbox.Config) { cfg.BatchSize = 97 })

	const writers, keysPerWriter, perKey = 4, 25, 40
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			seq := make([]int, keysPerWriter)
			for left := keysPerWriter * perKey; left > 0; {
				size := min(1+left%13, left)
				msgs := make([]outbox.Message, 0, size)
				for range size {
					k := (left + len(msgs)) % keysPerWriter
					for seq[k] == perKey {
						k = (k + 1) % keysPerWriter
					}
					msgs = append(msgs, msg(topic, fmt.Sprintf("w%d-k%d", w, k), strconv.Itoa(seq[k])))
					seq[k]++
				}
				Commit(t, ob, msgs...)
				left -= size
			}
		})
	}
	wg.Wait()

	total := writers * keysPerWriter * perKey
	got := newConsumer(t, c, topic).count(total)
	next := map[string]int{}
	for _, r := range got {
		if want := next[string(r.Key)]; string(r.Value) != strconv.Itoa(want) {
			t.Fatalf("key %s: got message %s, want %d", r.Key, r.Value, want)
		}
		next[string(r.Key)]++
	}
	if len(next) != writers*keysPerWriter || len(got) != total {
		t.Fatalf("got %d records over %d keys, want %d over %d", len(got), len(next), total, writers*keysPerWriter)
	}
	drained(t, ob)
}
