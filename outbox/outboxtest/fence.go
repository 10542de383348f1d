package outboxtest

import (
	"context"
	"encoding/binary"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/novatrek/support/internal/testkit/kafkatest"
	"github.com/novatrek/support/outbox"
)

// testDeposedLeader reproduces the resume check's gap (outbox/resume.go, "What it cannot
// see") at a known point, then shows Config.Fence closing it. Leader A fetches rows and sends
// their Produce request, which the network holds (a dialer that stalls A's writes of one
// request kind); A's session is then ended behind its back, as a cut from the store would,
// while A keeps waiting for its answer. Standby B takes over, runs its resume check (nothing
// is on Kafka yet), publishes the rows and deletes them. Then the network delivers A's request.
//
// Without fencing the late record lands: each row is on the topic twice, even for a reader of
// committed records. That run guards the harness: it proves the late delivery happens, so the
// fenced run's "once" is not vacuous. With fencing B's takeover bumped the producer epoch
// under the store's transactional id: the broker refuses A's late request, and a
// read-committed reader sees each row once.
//
// The third run holds A's EndTxn instead: A's records are on the partitions, acknowledged,
// in a transaction B's takeover aborts. B's check must not take them for published (it reads
// committed records only); read uncommitted, it would delete the rows unpublished.
func testDeposedLeader(t *testing.T, open Open) {
	for _, tc := range []struct {
		name   string
		fence  bool
		held   int16 // the API key of the request the network holds
		copies int
	}{
		{"WithoutFenceTheLateRecordIsADuplicate", false, produceKey, 2},
		{"FencedTheLateRecordIsRefused", true, produceKey, 1},
		{"FencedTheAbortedTransactionIsNotTakenForPublished", true, endTxnKey, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			deposedLeader(t, open, tc.fence, tc.held, tc.copies)
		})
	}
}

// Kafka API keys of the requests a heldNetwork can hold.
const (
	produceKey = 0
	endTxnKey  = 26
)

func deposedLeader(t *testing.T, open Open, fence bool, heldKey int16, copies int) {
	ob := open(t)
	const topic, n = "novatrek.test.deposed", 10
	c := newCluster(t, topic, 2)
	nw := &heldNetwork{key: heldKey}
	a := startRelay(t, ob, c, "a", func(cfg *outbox.Config) {
		cfg.Fence = fence
		cfg.ClientOpts = append(cfg.ClientOpts, kgo.Dialer(nw.dial))
	})
	eventually(t, wait, "a leads", func() bool { return a.leads(t) })
	b := startRelay(t, ob, c, "b", func(cfg *outbox.Config) { cfg.Fence = fence })

	held := nw.hold()
	Commit(t, ob, seqMessages(topic, 0, n)...)
	select {
	case <-held:
	case <-time.After(wait):
		t.Fatalf("a never sent the request to hold (API key %d)", heldKey)
	}
	a.store.refuse.Store(true) // a cannot reach its store again: it never leads again
	ob.KillLeader(t)           // the store ends a's session; a, waiting for an answer, does not know
	eventually(t, wait, "b leads", func() bool { return b.leads(t) })
	eventually(t, wait, "b publishes every row", func() bool { return b.published(t) == n })
	drained(t, ob)

	nw.release() // the network delivers a's request, after b's check
	eventually(t, wait, "a answered and no longer leading", func() bool { return !a.leads(t) })
	t.Logf("a: %v published, %v refused; b skipped %v on resume", a.published(t),
		a.metric(t, "novatrek_outbox_publish_errors_total"), b.metric(t, "novatrek_outbox_resume_skipped_total"))

	got := CommittedRows(t, c, topic)
	for id, k := range got {
		if k != copies {
			t.Errorf("row %d is on the topic %d times for a read-committed reader, want %d", id, k, copies)
		}
	}
	if len(got) != n {
		t.Errorf("%d distinct rows on the topic, want %d", len(got), n)
	}
}

// heldNetwork stalls a client's requests of one kind while held: the write blocks until
// release, as a partition between the client and the broker that heals later would.
type heldNetwork struct {
	key      int16 // the API key of the requests to hold
	mu       sync.Mutex
	held     chan struct{} // closed once a write of the held kind (key) is being held
	released chan struct{}
	once     sync.Once
}

// hold makes the next writes of the held kind block; the returned channel closes once one
// does.
func (h *heldNetwork) hold() <-chan struct{} {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.held, h.released, h.once = make(chan struct{}), make(chan struct{}), sync.Once{}
	return h.held
}

func (h *heldNetwork) release() {
	h.mu.Lock()
	defer h.mu.Unlock()
	close(h.released)
}

func (h *heldNetwork) dial(ctx context.Context, network, host string) (net.Conn, error) {
	var d net.Dialer
	conn, err := d.DialContext(ctx, network, host)
	if err != nil {
		return nil, err
	}
	return &heldConn{Conn: conn, net: h}, nil
}

// heldConn is a connection of a heldNetwork.
type heldConn struct {
	net.Conn
	net *heldNetwork
}

// Write holds a request of the held kind (a Kafka request is a 4-byte size, then its 2-byte
// API key; franz-go writes each request in one Write) until the network is released.
func (c *heldConn) Write(p []byte) (int, error) {
	if len(p) >= 6 && int16(binary.BigEndian.Uint16(p[4:6])) == c.net.key {
		c.net.mu.Lock()
		held, released, once := c.net.held, c.net.released, &c.net.once
		c.net.mu.Unlock()
		if held != nil {
			select {
			case <-released:
			default:
				once.Do(func() { close(held) })
				<-released
			}
		}
	}
	return c.Conn.Write(p)
}

// CommittedRows reads topic from the start as a read-committed reader, up to the end offsets
// at the call, and counts the records of each outbox row (by RowHeader): what a reader sees
// of a relay's rows, fencing or not (commit markers and aborted records take offsets, so end
// offsets alone overcount).
func CommittedRows(t testing.TB, c *kafkatest.Env, topic string) map[int64]int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	ends, err := kadm.NewClient(c.Client(t)).ListEndOffsets(ctx, topic)
	if err == nil {
		err = ends.Error()
	}
	if err != nil {
		t.Fatal(err)
	}
	left := map[int32]int64{} // partition → end offset not reached yet
	ends.Each(func(o kadm.ListedOffset) {
		if o.Offset > 0 {
			left[o.Partition] = o.Offset
		}
	})
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.Brokers...), kgo.ConsumeTopics(topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()), kgo.FetchMaxWait(100*time.Millisecond),
		kgo.FetchIsolationLevel(kgo.ReadCommitted()), kgo.KeepControlRecords())
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	rows := map[int64]int{}
	for len(left) > 0 {
		fs := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			t.Fatalf("read %s: partitions not read to their end: %v", topic, left)
		}
		if errs := fs.Errors(); len(errs) > 0 {
			t.Fatalf("read %s: %v", topic, errs[0].Err)
		}
		fs.EachRecord(func(r *kgo.Record) {
			if end, ok := left[r.Partition]; ok && r.Offset >= end-1 {
				delete(left, r.Partition)
			}
			if r.Attrs.IsControl() {
				return
			}
			_, id, ok := outbox.RowOf(r)
			if !ok {
				t.Fatalf("record at %d/%d has no %s header", r.Partition, r.Offset, outbox.RowHeader)
			}
			rows[id]++
		})
	}
	return rows
}
