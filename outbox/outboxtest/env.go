package outboxtest

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/novatrek/support/internal/testkit/kafkatest"
	"github.com/novatrek/support/outbox"
)

// wait bounds every condition a test polls for: generous, since these are correctness
// proofs, not timings.
const wait = 30 * time.Second

// newCluster gives the test a Kafka (kfake, or the real broker: see kafkatest) holding
// topic. The relay needs no schema registry: the outbox carries bytes.
func newCluster(t testing.TB, topic string, partitions int32) *kafkatest.Env {
	t.Helper()
	env := kafkatest.New(t)
	env.CreateTopics(t, partitions, topic)
	return env
}

// relay is a running Relay and what a test reads from it.
type relay struct {
	store   *gatedStore
	metrics *prometheus.Registry
	cancel  context.CancelFunc
	done    chan struct{}
}

// startRelay runs a relay until the test ends (or stop). Test defaults make standbys and
// retries quick and measure the backlog often; edit adjusts them.
func startRelay(t testing.TB, ob Outbox, c *kafkatest.Env, name string, edit ...func(*outbox.Config)) *relay {
	t.Helper()
	r := &relay{store: &gatedStore{Store: ob.Store()}, metrics: prometheus.NewRegistry(), done: make(chan struct{})}
	cfg := outbox.Config{
		Store:         r.store,
		ClientOpts:    []kgo.Opt{kgo.SeedBrokers(c.Brokers...)},
		LeaseRetry:    20 * time.Millisecond,
		RetryBackoff:  10 * time.Millisecond,
		StatsInterval: 20 * time.Millisecond,
		Logger:        slog.New(slog.NewTextHandler(testWriter{t}, nil)).With("relay", name),
		Metrics:       r.metrics,
	}
	_, cfg.Fence = ob.(fenced)
	for _, e := range edit {
		e(&cfg)
	}
	rl, err := outbox.NewRelay(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	go func() {
		defer close(r.done)
		if err := rl.Run(ctx); err != nil {
			t.Errorf("relay %s: %v", name, err)
		}
	}()
	t.Cleanup(r.stop)
	return r
}

// stop cancels the relay and waits for Run to return.
func (r *relay) stop() {
	r.cancel()
	<-r.done
}

// metric reads a counter or gauge of the relay.
func (r *relay) metric(t testing.TB, name string) float64 {
	t.Helper()
	mfs, err := r.metrics.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			switch {
			case m.Gauge != nil:
				return m.Gauge.GetValue()
			case m.Counter != nil:
				return m.Counter.GetValue()
			}
		}
	}
	t.Fatalf("metric %s not found", name)
	return 0
}

func (r *relay) leads(t testing.TB) bool { return r.metric(t, "novatrek_outbox_leader") == 1 }

func (r *relay) published(t testing.TB) float64 {
	return r.metric(t, "novatrek_outbox_published_total")
}

// gatedStore is the engine's store with a switch that refuses new leadership, so a test can
// model a relay process that died together with its session: it never campaigns again; and
// a seam before each delete, to fail or interrupt the step between produce and delete.
type gatedStore struct {
	outbox.Store
	refuse       atomic.Bool
	beforeDelete atomic.Pointer[func() error]
}

func (g *gatedStore) TryLead(ctx context.Context) (outbox.Session, bool, error) {
	if g.refuse.Load() {
		return nil, false, nil
	}
	s, ok, err := g.Store.TryLead(ctx)
	if s == nil {
		return s, ok, err
	}
	gs := &gatedSession{Session: s, store: g}
	if fa, ahead := s.(aheadFetcher); ahead {
		return &gatedAheadSession{gatedSession: gs, ahead: fa}, ok, err // keep the relay's pipelined path
	}
	return gs, ok, err
}

// gatedSession runs its store's beforeDelete seam, if set, before each delete; an error from
// it fails the delete without deleting anything.
type gatedSession struct {
	outbox.Session
	store *gatedStore
}

// TransactionalID passes the engine's fencing id through the gate (see outbox.Config.Fence).
func (s *gatedSession) TransactionalID() string {
	if t, ok := s.Session.(outbox.TransactionalIDer); ok {
		return t.TransactionalID()
	}
	return ""
}

func (s *gatedSession) Delete(ctx context.Context, ids []int64) error {
	if err := s.store.seam(); err != nil {
		return err
	}
	return s.Session.Delete(ctx, ids)
}

// seam runs beforeDelete, if set.
func (g *gatedStore) seam() error {
	if hook := g.beforeDelete.Load(); hook != nil {
		return (*hook)()
	}
	return nil
}

// aheadFetcher is the optional Session method of the relay's pipelined path (see
// outbox/publish.go); a session that has it keeps it behind the gate.
type aheadFetcher interface {
	DeleteAndFetchAfter(ctx context.Context, ids []int64, after int64, held []int64, limit int) ([]outbox.Row, error)
}

// gatedAheadSession is a gatedSession whose engine deletes and fetches ahead in one round
// trip; the seam runs before that delete too.
type gatedAheadSession struct {
	*gatedSession
	ahead aheadFetcher
}

func (s *gatedAheadSession) DeleteAndFetchAfter(ctx context.Context, ids []int64, after int64, held []int64, limit int) ([]outbox.Row, error) {
	if len(ids) > 0 {
		if err := s.store.seam(); err != nil {
			return nil, err
		}
	}
	return s.ahead.DeleteAndFetchAfter(ctx, ids, after, held, limit)
}

// leaderAndStandby waits until exactly one of a and b leads and returns them in that order.
func leaderAndStandby(t testing.TB, a, b *relay) (leader, standby *relay) {
	t.Helper()
	eventually(t, wait, "exactly one leader", func() bool { return a.leads(t) != b.leads(t) })
	if a.leads(t) {
		return a, b
	}
	return b, a
}

// eventually polls cond every 5ms until it holds, failing the test after timeout.
func eventually(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func drained(t testing.TB, ob Outbox) {
	t.Helper()
	eventually(t, wait, "published rows deleted", func() bool { return ob.Len(t) == 0 })
}

func msg(topic, key, value string) outbox.Message {
	return outbox.Message{Topic: topic, Key: []byte(key), Value: []byte(value)}
}

// seqMessages returns n messages numbered from first over 50 keys; each key's values count up
// from 0 in the order they are enqueued, which checkSequence verifies.
func seqMessages(topic string, first, n int) []outbox.Message {
	msgs := make([]outbox.Message, n)
	for i := range msgs {
		seq := first + i
		msgs[i] = msg(topic, "k"+strconv.Itoa(seq%50), strconv.Itoa(seq/50))
	}
	return msgs
}

// consumer reads a topic from the start, committed records only (a fenced relay's aborted
// transactions are not delivered).
type consumer struct {
	t  testing.TB
	cl *kgo.Client
}

func newConsumer(t testing.TB, c *kafkatest.Env, topic string) *consumer {
	t.Helper()
	cl, err := kgo.NewClient(
		kgo.SeedBrokers(c.Brokers...),
		kgo.ConsumeTopics(topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.FetchMaxWait(100*time.Millisecond),
		kgo.FetchIsolationLevel(kgo.ReadCommitted()),
	)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	return &consumer{t: t, cl: cl}
}

// until polls records until done says so, failing after timeout; it returns every record
// read by this call.
func (c *consumer) until(timeout time.Duration, what string, done func([]*kgo.Record) bool) []*kgo.Record {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	var got []*kgo.Record
	for !done(got) {
		fs := c.cl.PollFetches(ctx)
		if ctx.Err() != nil {
			c.t.Fatalf("timed out after %v waiting for %s; got %d records", timeout, what, len(got))
		}
		if errs := fs.Errors(); len(errs) > 0 {
			c.t.Fatalf("consume: %v", errs[0].Err)
		}
		got = append(got, fs.Records()...)
	}
	return got
}

// count reads until n records arrived.
func (c *consumer) count(n int) []*kgo.Record {
	c.t.Helper()
	return c.until(wait, fmt.Sprintf("%d records", n), func(rs []*kgo.Record) bool { return len(rs) >= n })
}

// checkSequence reads until total distinct messages of seqMessages arrived. It fails on a gap
// or a reordering within a key (a message arriving before an earlier one of its key was ever
// seen); a repeat of an already seen message is counted as a duplicate.
func (c *consumer) checkSequence(total int) (dups int) {
	c.t.Helper()
	next := map[string]int{}
	distinct := 0
	c.until(wait, fmt.Sprintf("%d distinct messages", total), func(rs []*kgo.Record) bool {
		for _, r := range rs[distinct+dups:] {
			seq, err := strconv.Atoi(string(r.Value))
			if err != nil {
				c.t.Fatalf("value %q is not a sequence number", r.Value)
			}
			switch k := string(r.Key); {
			case seq < next[k]:
				dups++
			case seq == next[k]:
				next[k]++
				distinct++
			default:
				c.t.Fatalf("key %s: message %d arrived before %d", k, seq, next[k])
			}
		}
		return distinct >= total
	})
	return dups
}

// testWriter sends relay logs to the test log.
type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}
