package testproc_test

import (
	"context"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/novatrek/support/schemas"
)

// pipelineTrace stamps each measured event at the stages between the input's acknowledgement
// and the output's receipt, so the benchmark says where the time goes instead of giving one
// total. Hooks on the runtime's consuming client mark when the input's fetch was buffered and
// when the poll loop took it; a pgx tracer on the pool marks when the event's transaction
// began and committed (matched to the event by the event id the handler writes) and when the
// relay's fetches ran; the runtime's Intercept marks when the handler gets the event; hooks
// on the relay's producing client mark when the output is handed to the client and when the
// broker acknowledged it.
type pipelineTrace struct {
	index   map[string]int // input event id → index
	byValue map[string]int // input record value → index

	mu        sync.Mutex
	fetched   []time.Time          // by input index: the runtime's client buffered its fetch
	polled    []time.Time          // by input index: the runtime's poll loop took it
	begun     []time.Time          // by input index: its transaction began
	handled   []time.Time          // by input index: first call of its handler
	committed []time.Time          // by input index: its transaction committed
	buffered  map[string]time.Time // by output value: the relay handed it to its client
	acked     map[string]time.Time // by output value: the broker acknowledged it
	open      map[*pgx.Conn]*tracedTx
	fetches   []relayFetch // the relay's fetches, in order (it fetches on one connection)
}

// tracedTx is a transaction seen by the tracer: when it began and the events it wrote.
type tracedTx struct {
	begun  time.Time
	events []int
}

// relayFetch is one of the relay's fetch statements, as the client saw it.
type relayFetch struct{ start, end time.Time }

func newPipelineTrace(index map[string]int, values []string) *pipelineTrace {
	n := len(values)
	byValue := make(map[string]int, n)
	for i, v := range values {
		byValue[v] = i
	}
	return &pipelineTrace{
		index:     index,
		byValue:   byValue,
		fetched:   make([]time.Time, n),
		polled:    make([]time.Time, n),
		begun:     make([]time.Time, n),
		handled:   make([]time.Time, n),
		committed: make([]time.Time, n),
		buffered:  make(map[string]time.Time, n),
		acked:     make(map[string]time.Time, n),
		open:      map[*pgx.Conn]*tracedTx{},
	}
}

// first stamps at[i] unless it already holds a time: a retried or refetched event keeps
// its first stamp. Call it with t.mu held.
func first(at []time.Time, i int, now time.Time) {
	if at[i].IsZero() {
		at[i] = now
	}
}

// intercept is the runtime's Config.Intercept: it runs inside the batch's transaction just
// before the event's handler.
func (t *pipelineTrace) intercept(_ context.Context, _ string, meta schemas.EventMetadata) error {
	now := time.Now()
	i, ok := t.index[meta.EventID]
	if !ok {
		return nil // a warm-up event
	}
	t.mu.Lock()
	first(t.handled, i, now)
	t.mu.Unlock()
	return nil
}

// fetchHooks are the runtime's consuming client's hooks.
type fetchHooks struct{ t *pipelineTrace }

// OnFetchRecordBuffered implements kgo.HookFetchRecordBuffered: the record's fetch returned.
func (h fetchHooks) OnFetchRecordBuffered(r *kgo.Record) { h.t.stampInput(h.t.fetched, r) }

// OnFetchRecordUnbuffered implements kgo.HookFetchRecordUnbuffered: the poll loop took the
// record (or it was dropped, which the benchmark would notice as a missing output).
func (h fetchHooks) OnFetchRecordUnbuffered(r *kgo.Record, polled bool) {
	if polled {
		h.t.stampInput(h.t.polled, r)
	}
}

func (t *pipelineTrace) stampInput(at []time.Time, r *kgo.Record) {
	now := time.Now()
	i, ok := t.byValue[string(r.Value)]
	if !ok {
		return // a warm-up event
	}
	t.mu.Lock()
	first(at, i, now)
	t.mu.Unlock()
}

// produceHooks are the relay's producing client's hooks.
type produceHooks struct{ t *pipelineTrace }

// OnProduceRecordBuffered implements kgo.HookProduceRecordBuffered.
func (h produceHooks) OnProduceRecordBuffered(r *kgo.Record) { h.t.stampOutput(h.t.buffered, r) }

// OnProduceRecordUnbuffered implements kgo.HookProduceRecordUnbuffered: a record leaves the
// buffer once the broker acknowledged it (or it failed, which the benchmark reports anyway).
func (h produceHooks) OnProduceRecordUnbuffered(r *kgo.Record, _ error) {
	h.t.stampOutput(h.t.acked, r)
}

// stampOutput keeps the first time an output value reached a stage: a row the relay
// publishes again would only show as a duplicate, which the benchmark fails on.
func (t *pipelineTrace) stampOutput(at map[string]time.Time, r *kgo.Record) {
	now := time.Now()
	t.mu.Lock()
	if _, ok := at[string(r.Value)]; !ok {
		at[string(r.Value)] = now
	}
	t.mu.Unlock()
}

type tracedSQL struct{}

// isBegin tells a transaction's BEGIN: pgx's, QuietBegin, a pipeline's (pgx.Batch.BeginTx).
func isBegin(sql string) bool {
	return strings.HasPrefix(sql, "begin") || strings.HasPrefix(sql, "BEGIN")
}

// TraceQueryStart implements pgx.QueryTracer for the pool (and the relay's connection, whose
// config is the pool's): it opens a traced transaction at BEGIN, notes the measured events a
// statement names (the handlers write the event id: applied_events), and times the relay's
// fetches.
func (t *pipelineTrace) TraceQueryStart(ctx context.Context, conn *pgx.Conn, data pgx.TraceQueryStartData) context.Context {
	now := time.Now()
	sql := data.SQL
	t.mu.Lock()
	defer t.mu.Unlock()
	switch {
	case isBegin(sql):
		t.open[conn] = &tracedTx{begun: now}
	case strings.Contains(sql, "ORDER BY id LIMIT"): // the relay's fetch (see pgoutbox)
		t.fetches = append(t.fetches, relayFetch{start: now})
	default:
		t.note(conn, data.Args)
	}
	return context.WithValue(ctx, tracedSQL{}, sql)
}

// note adds the measured events args name to conn's open transaction. Call it with t.mu held.
func (t *pipelineTrace) note(conn *pgx.Conn, args []any) {
	tx := t.open[conn]
	if tx == nil {
		return
	}
	for _, a := range args {
		switch v := a.(type) {
		case string:
			if i, ok := t.index[v]; ok {
				tx.events = append(tx.events, i)
			}
		case []string: // the set-based handlers
			for _, s := range v {
				if i, ok := t.index[s]; ok {
					tx.events = append(tx.events, i)
				}
			}
		}
	}
}

// TraceQueryEnd implements pgx.QueryTracer: a commit stamps its transaction's events, a
// fetch its end.
func (t *pipelineTrace) TraceQueryEnd(ctx context.Context, conn *pgx.Conn, data pgx.TraceQueryEndData) {
	now := time.Now()
	sql, _ := ctx.Value(tracedSQL{}).(string)
	t.mu.Lock()
	defer t.mu.Unlock()
	switch {
	case sql == "commit" || sql == "rollback":
		t.end(conn, sql, data.Err, now)
	case strings.Contains(sql, "ORDER BY id LIMIT"):
		if n := len(t.fetches); n > 0 && t.fetches[n-1].end.IsZero() {
			t.fetches[n-1].end = now
		}
	}
}

// end closes conn's traced transaction; a commit without error stamps its events. Call it
// with t.mu held.
func (t *pipelineTrace) end(conn *pgx.Conn, sql string, err error, now time.Time) {
	tx := t.open[conn]
	delete(t.open, conn)
	if tx == nil || sql == "rollback" || err != nil {
		return
	}
	for _, i := range tx.events {
		first(t.begun, i, tx.begun)
		first(t.committed, i, now)
	}
}

// TraceBatchStart implements pgx.BatchTracer: the runtime sends its BEGIN and inbox claim as
// one pipeline, so a batch can open a traced transaction and name events.
func (t *pipelineTrace) TraceBatchStart(ctx context.Context, conn *pgx.Conn, data pgx.TraceBatchStartData) context.Context {
	now := time.Now()
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, q := range data.Batch.QueuedQueries {
		if isBegin(q.SQL) {
			t.open[conn] = &tracedTx{begun: now}
			continue
		}
		t.note(conn, q.Arguments)
	}
	return ctx
}

// TraceBatchQuery implements pgx.BatchTracer: a commit sent in a pipeline ends its
// transaction when its result is read.
func (t *pipelineTrace) TraceBatchQuery(_ context.Context, conn *pgx.Conn, data pgx.TraceBatchQueryData) {
	if data.SQL != "commit" {
		return
	}
	now := time.Now()
	t.mu.Lock()
	defer t.mu.Unlock()
	t.end(conn, data.SQL, data.Err, now)
}

// TraceBatchEnd implements pgx.BatchTracer.
func (t *pipelineTrace) TraceBatchEnd(context.Context, *pgx.Conn, pgx.TraceBatchEndData) {}

// fetchBefore returns the last relay fetch that ended by at (the one that read the row the
// relay then produced at at).
func (t *pipelineTrace) fetchBefore(at time.Time) (relayFetch, bool) {
	k := sort.Search(len(t.fetches), func(j int) bool {
		e := t.fetches[j].end
		return e.IsZero() || e.After(at)
	})
	if k == 0 {
		return relayFetch{}, false
	}
	return t.fetches[k-1], true
}

// log prints each stage's p50, p99 and max over the measured events. A stage that ends
// before it starts (clocks are read on different goroutines) counts as 0.
func (t *pipelineTrace) log(b *testing.B, acked, received []time.Time, values [][]byte) {
	b.Helper()
	t.mu.Lock()
	defer t.mu.Unlock()
	names := []string{
		"input acked → runtime's fetch buffered",
		"fetch buffered → poll loop took it",
		"polled → its transaction began (the partition's previous batch)",
		"began → handler (begin, inbox claim, earlier events)",
		"handler → committed (its handler, later events, commit)",
		"committed → relay fetch sent (wake-up, relay busy)",
		"relay fetch round trip",
		"fetch returned → handed to the relay's client",
		"relay produce → acked",
		"output acked → consumer",
	}
	n := len(acked)
	lat := make([][]time.Duration, len(names))
	for s := range lat {
		lat[s] = make([]time.Duration, n)
	}
	for i := range n {
		v := string(values[i])
		f, ok := t.fetchBefore(t.buffered[v])
		if !ok {
			b.Fatalf("event %d: no relay fetch before its produce", i)
		}
		marks := []time.Time{acked[i], t.fetched[i], t.polled[i], t.begun[i], t.handled[i], t.committed[i],
			f.start, f.end, t.buffered[v], t.acked[v], received[i]}
		for s := range names {
			if marks[s].IsZero() || marks[s+1].IsZero() {
				b.Fatalf("event %d has no stamp at stage %q", i, names[s])
			}
			lat[s][i] = max(marks[s+1].Sub(marks[s]), 0)
		}
	}
	for s, name := range names {
		p := percentilesOf(lat[s])
		b.Logf("stage %-66s p50 %6.2f ms  p99 %6.2f ms  max %6.2f ms", name, ms(p.p50), ms(p.p99), ms(p.max))
	}
}
