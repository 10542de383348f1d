package streamtest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/novatrek/support/internal/platform/stream"
	"github.com/novatrek/support/internal/platform/topology"
	"github.com/novatrek/support/internal/testkit/kafkatest"
	"github.com/novatrek/support/internal/testkit/pgtest"
	"github.com/novatrek/support/outbox"
	pgoutbox "github.com/novatrek/support/outbox/postgres"
)

// Run runs the contract suite on s. Each case gets its own database, cluster and registry,
// and the cases run in parallel.
func Run(t *testing.T, s Subject) {
	t.Run("Duplicate", func(t *testing.T) { t.Parallel(); testDuplicate(t, s) })
	t.Run("Rollback", func(t *testing.T) { t.Parallel(); testRollback(t, s) })
	t.Run("Poison", func(t *testing.T) { t.Parallel(); testPoison(t, s) })
	t.Run("Panic", func(t *testing.T) { t.Parallel(); testPanic(t, s) })
	t.Run("StoredOffsets", func(t *testing.T) { t.Parallel(); testStoredOffsets(t, s) })
}

// Harness is one running processor of a Subject on its own database, cluster and
// registry.
type Harness struct {
	T        testing.TB
	S        Subject
	Env      *kafkatest.Env
	Pool     *pgxpool.Pool
	Producer *kgo.Client
	Proc     *stream.Processor
	Running  *Running
	// Metrics holds the running processor's metrics (a new registry per Restart).
	Metrics *prometheus.Registry
	cfg     stream.Config
}

// InputPartitions is how many partitions the suite gives the input topic.
const InputPartitions = 3

// NewHarness migrates a fresh database, creates the topics and starts the processor; mods
// adjust its configuration (a case's Intercept).
func NewHarness(t testing.TB, s Subject, mods ...func(*stream.Config)) *Harness {
	t.Helper()
	ctx := context.Background()
	h := &Harness{T: t, S: s, Env: kafkatest.New(t), Pool: pgtest.NewDB(t)}
	if err := s.Migrate(ctx, h.Pool, s.Schema); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	routes, err := s.routes(ctx, h.Pool, h.Env.Serde)
	if err != nil {
		t.Fatalf("routes: %v", err)
	}
	var topics []string
	for _, r := range routes {
		topics = append(topics, r.Topic())
	}
	CreateTopics(t, h.Env, InputPartitions, topics...)
	CreateTopics(t, h.Env, 1, topology.DeadLetterTopic(s.Group))
	if len(s.Outputs) > 0 {
		CreateTopics(t, h.Env, InputPartitions, s.Outputs...)
	}
	h.Producer = h.Env.Client(t)
	h.cfg = stream.Config{
		Group:      s.Group,
		Brokers:    h.Env.Brokers,
		Pool:       h.Pool,
		Schema:     s.Schema,
		Routes:     routes,
		Serde:      h.Env.Serde,
		MinBackoff: 5 * time.Millisecond,
		MaxBackoff: 100 * time.Millisecond,
		Logger:     Logger(t, slog.LevelWarn),
	}
	for _, mod := range mods {
		mod(&h.cfg)
	}
	h.start()
	return h
}

// start runs a new processor of the harness's configuration, with fresh metrics.
func (h *Harness) start() {
	h.T.Helper()
	h.Metrics = prometheus.NewRegistry()
	cfg := h.cfg
	cfg.Metrics = h.Metrics
	p, err := stream.New(cfg)
	if err != nil {
		h.T.Fatalf("new processor: %v", err)
	}
	h.Proc, h.Running = p, Start(h.T, p)
}

// Restart stops the processor (it finishes or abandons its batch and leaves the group) and
// starts a new one on the same store and cluster.
func (h *Harness) Restart() {
	h.T.Helper()
	h.Stop()
	h.start()
}

// Stop stops the processor; Run's error, other than its cancellation, fails the test.
func (h *Harness) Stop() {
	h.T.Helper()
	if err := h.Running.Stop(); err != nil && !errors.Is(err, context.Canceled) {
		h.T.Fatalf("processor stopped with %v", err)
	}
}

// StartRelay runs the outbox relay of the subject's schema until the test ends.
func (h *Harness) StartRelay() {
	h.T.Helper()
	if h.S.NoOutbox {
		return
	}
	ob, err := pgoutbox.New(h.S.Schema)
	if err != nil {
		h.T.Fatalf("outbox: %v", err)
	}
	StartRelay(h.T, outbox.Config{
		Store:        ob.Store(h.Pool),
		ClientOpts:   []kgo.Opt{kgo.SeedBrokers(h.Env.Brokers...)},
		PollInterval: 50 * time.Millisecond,
		LeaseRetry:   50 * time.Millisecond,
		Logger:       Logger(h.T, slog.LevelWarn),
	})
}

// Encode encodes ev for the input topic.
func (h *Harness) Encode(ev Event) []byte {
	h.T.Helper()
	b, err := h.Env.Serde.Encode(context.Background(), h.S.Input, ev.Schema, ev.Value)
	if err != nil {
		h.T.Fatalf("encode input: %v", err)
	}
	return b
}

// Produce produces the records (to the input topic unless they name one) in order and
// returns them with their partitions and offsets filled in.
func (h *Harness) Produce(recs ...*kgo.Record) []*kgo.Record {
	h.T.Helper()
	for _, r := range recs {
		if r.Topic == "" {
			r.Topic = h.S.Input
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := h.Producer.ProduceSync(ctx, recs...).FirstErr(); err != nil {
		h.T.Fatalf("produce: %v", err)
	}
	return recs
}

// Effects is the subject's effect count of eventID.
func (h *Harness) Effects(eventID string) int {
	h.T.Helper()
	n, err := h.S.Effects(context.Background(), h.Pool, h.S.Schema, eventID)
	if err != nil {
		h.T.Fatalf("count effects of %s: %v", eventID, err)
	}
	return n
}

// WaitApplied waits until eventID's effect is in the store.
func (h *Harness) WaitApplied(eventID string) {
	h.T.Helper()
	Eventually(h.T, "event "+eventID+" applied", func() (bool, error) {
		n, err := h.S.Effects(context.Background(), h.Pool, h.S.Schema, eventID)
		return n > 0, err
	})
}

// OutboxRows counts the rows in the subject's outbox table caused by eventID (by the
// causation id of their values).
func (h *Harness) OutboxRows(eventID string) int {
	h.T.Helper()
	if h.S.NoOutbox {
		return 0 // no table: nothing can have been enqueued
	}
	ctx := context.Background()
	rows, err := h.Pool.Query(ctx, `SELECT value FROM `+pgx.Identifier{h.S.Schema, "outbox"}.Sanitize())
	if err != nil {
		h.T.Fatalf("read outbox: %v", err)
	}
	values, err := pgx.CollectRows(rows, pgx.RowTo[[]byte])
	if err != nil {
		h.T.Fatalf("read outbox: %v", err)
	}
	n := 0
	for _, v := range values {
		c, err := Causation(ctx, h.Env.Serde, v)
		if err != nil {
			h.T.Fatalf("decode outbox row: %v", err)
		}
		if c == eventID {
			n++
		}
	}
	return n
}

// Published returns the records on the output topics caused by eventID.
func (h *Harness) Published(eventID string) []*kgo.Record {
	h.T.Helper()
	var out []*kgo.Record
	for _, topic := range h.S.Outputs {
		for _, r := range ReadTopic(h.T, h.Env, topic) {
			c, err := Causation(context.Background(), h.Env.Serde, r.Value)
			if err != nil {
				h.T.Fatalf("decode %s record: %v", topic, err)
			}
			if c == eventID {
				out = append(out, r)
			}
		}
	}
	return out
}

// DeadLetters returns the records on the group's dead-letter topic.
func (h *Harness) DeadLetters() []*kgo.Record {
	h.T.Helper()
	return ReadTopic(h.T, h.Env, topology.DeadLetterTopic(h.S.Group))
}

func record(key string, value []byte, headers ...kgo.RecordHeader) *kgo.Record {
	return &kgo.Record{Key: []byte(key), Value: value, Headers: headers}
}

func testDuplicate(t *testing.T, s Subject) {
	h := NewHarness(t, s)
	ev, dup2, marker := s.Valid(1), s.Valid(2), s.Valid(3)

	// Across batches: the first copy is applied and committed before the second arrives.
	h.Produce(record(ev.Key, h.Encode(ev)))
	h.WaitApplied(ev.EventID)
	outputs := h.OutboxRows(ev.EventID)
	if len(s.Outputs) > 0 && outputs == 0 {
		t.Fatalf("event %s enqueued no outbox message", ev.EventID)
	}
	// Inside one produce (usually one batch): two copies back to back.
	v2 := h.Encode(dup2)
	// One key for all: one partition, so the marker is handled after the copies.
	h.Produce(record(ev.Key, h.Encode(ev)), record(ev.Key, v2), record(ev.Key, v2), record(ev.Key, h.Encode(marker)))
	h.WaitApplied(marker.EventID)

	for _, c := range []struct {
		ev      Event
		outputs int
	}{{ev, outputs}, {dup2, -1}} {
		if n := h.Effects(c.ev.EventID); n != 1 {
			t.Errorf("event %s delivered twice has %d effects, want 1", c.ev.EventID, n)
		}
		if c.outputs >= 0 {
			if n := h.OutboxRows(c.ev.EventID); n != c.outputs {
				t.Errorf("event %s delivered twice has %d outbox rows, want %d (as after its first delivery)", c.ev.EventID, n, c.outputs)
			}
		}
	}
	if n, m := h.OutboxRows(dup2.EventID), h.OutboxRows(marker.EventID); n != m {
		t.Errorf("event %s delivered twice in one produce has %d outbox rows; an event delivered once has %d", dup2.EventID, n, m)
	}
	if dl := h.DeadLetters(); len(dl) != 0 {
		t.Errorf("duplicates were dead-lettered: %d dead letters", len(dl))
	}
}

func testRollback(t *testing.T, s Subject) {
	h := NewHarness(t, s)
	h.StartRelay()
	bad := s.Failing(10)
	marker := s.Valid(11)
	recs := h.Produce(
		record(bad.Key, h.Encode(bad), kgo.RecordHeader{Key: "streamtest-case", Value: []byte("rollback")}),
		record(bad.Key, h.Encode(marker)), // same key: same partition, handled after bad
	)
	h.WaitApplied(marker.EventID)
	if len(s.Outputs) > 0 {
		// The relay publishes in enqueue order; once the marker's output is on Kafka, any
		// message of bad would be there too.
		Eventually(t, "marker's output published", func() (bool, error) {
			return len(h.Published(marker.EventID)) > 0, nil
		})
	}
	if n := h.Effects(bad.EventID); n != 0 {
		t.Errorf("failed event %s has %d effects, want 0", bad.EventID, n)
	}
	if n := h.OutboxRows(bad.EventID); n != 0 {
		t.Errorf("failed event %s left %d outbox rows, want 0", bad.EventID, n)
	}
	if pub := h.Published(bad.EventID); len(pub) != 0 {
		t.Errorf("failed event %s has %d records on the output topics, want 0", bad.EventID, len(pub))
	}
	dl := findDeadLetter(h.DeadLetters(), recs[0])
	if dl == nil {
		t.Fatalf("failed event %s (offset %d) was not dead-lettered", bad.EventID, recs[0].Offset)
	}
	checkDeadLetter(t, h, dl, recs[0], stream.KindPermanent)
}

// poisonCase is one kind of poison record.
type poisonCase struct {
	name  string
	kind  stream.Kind
	value func(h *Harness) []byte
}

func poisonCases(s Subject) []poisonCase {
	return []poisonCase{
		{"garbage bytes", stream.KindMalformed, func(*Harness) []byte { return []byte("definitely not avro {}") }},
		{"wrong magic byte", stream.KindMalformed, func(h *Harness) []byte {
			b := h.Encode(s.Valid(20))
			b[0] = 1
			return b
		}},
		{"truncated avro", stream.KindMalformed, func(h *Harness) []byte {
			b := h.Encode(s.Valid(21))
			return b[:5+(len(b)-5)/2]
		}},
		{"unknown schema id", stream.KindUnknownSchema, func(h *Harness) []byte {
			b := h.Encode(s.Valid(22))
			return frame(1<<30, b[5:])
		}},
		{"schema mismatch", stream.KindIncompatible, mismatched(s)},
		{"invalid event id", stream.KindInvalid, invalidEventID(s)},
		{"handler permanent error", stream.KindPermanent, func(h *Harness) []byte { return h.Encode(s.Failing(25)) }},
	}
}

func testPoison(t *testing.T, s Subject) {
	h := NewHarness(t, s)
	key := s.Valid(30).Key
	cases := poisonCases(s)
	var recs []*kgo.Record
	for i, c := range cases {
		recs = append(recs, record(key, c.value(h),
			kgo.RecordHeader{Key: "streamtest-case", Value: []byte(c.name)},
			kgo.RecordHeader{Key: "traceparent", Value: fmt.Appendf(nil, "00-%032x-%016x-01", i+1, i+1)}))
	}
	before, after := s.Valid(30), s.Valid(31)
	all := append([]*kgo.Record{record(key, h.Encode(before))}, recs...)
	all = append(all, record(key, h.Encode(after)))
	h.Produce(all...)

	h.WaitApplied(after.EventID) // the partition kept flowing past every poison record
	if n := h.Effects(before.EventID); n != 1 {
		t.Errorf("event before the poison has %d effects, want 1", n)
	}
	var dls []*kgo.Record
	Eventually(t, "every poison record dead-lettered", func() (bool, error) {
		dls = h.DeadLetters()
		return len(dls) >= len(cases), nil
	})
	if len(dls) != len(cases) {
		t.Errorf("%d dead letters, want %d", len(dls), len(cases))
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dl := findDeadLetter(dls, recs[i])
			if dl == nil {
				t.Fatalf("offset %d not dead-lettered", recs[i].Offset)
			}
			checkDeadLetter(t, h, dl, recs[i], c.kind)
		})
	}
}

func findDeadLetter(dls []*kgo.Record, src *kgo.Record) *kgo.Record {
	for _, dl := range dls {
		if off, _ := Header(dl, stream.HeaderSourceOffset); off == fmt.Sprint(src.Offset) {
			if p, _ := Header(dl, stream.HeaderSourcePartition); p == fmt.Sprint(src.Partition) {
				return dl
			}
		}
	}
	return nil
}

// checkDeadLetter checks that dl carries src's key, value and headers byte for byte, and
// says where src came from, why and when.
func checkDeadLetter(t testing.TB, h *Harness, dl, src *kgo.Record, kind stream.Kind) {
	t.Helper()
	if string(dl.Key) != string(src.Key) {
		t.Errorf("dead letter key %q, want the original %q", dl.Key, src.Key)
	}
	if !slices.Equal(dl.Value, src.Value) {
		t.Errorf("dead letter value differs from the original bytes")
	}
	if len(dl.Headers) < len(src.Headers) || !slices.EqualFunc(dl.Headers[:len(src.Headers)], src.Headers, func(a, b kgo.RecordHeader) bool {
		return a.Key == b.Key && string(a.Value) == string(b.Value)
	}) {
		t.Errorf("dead letter does not start with the original headers: got %v, want %v first", dl.Headers, src.Headers)
	}
	want := map[string]string{
		stream.HeaderSourceTopic:     h.S.Input,
		stream.HeaderSourcePartition: fmt.Sprint(src.Partition),
		stream.HeaderSourceOffset:    fmt.Sprint(src.Offset),
		stream.HeaderGroup:           h.S.Group,
		stream.HeaderErrorKind:       string(kind),
	}
	for k, v := range want {
		if got, _ := Header(dl, k); got != v {
			t.Errorf("dead letter header %s = %q, want %q", k, got, v)
		}
	}
	if msg, _ := Header(dl, stream.HeaderError); msg == "" {
		t.Errorf("dead letter has no %s header", stream.HeaderError)
	}
	at, _ := Header(dl, stream.HeaderTime)
	if _, err := time.Parse(time.RFC3339Nano, at); err != nil {
		t.Errorf("dead letter %s header %q: %v", stream.HeaderTime, at, err)
	}
}
