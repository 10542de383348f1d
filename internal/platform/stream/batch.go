package stream

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/twmb/franz-go/pkg/kgo"

	pgoutbox "github.com/novatrek/support/outbox/postgres"
)

// recordState is what the worker knows about one record of the current batch.
type recordState struct {
	id   [16]byte
	kind Kind  // "" for a decoded record; a poison kind once it must be dead-lettered
	err  error // why it is poison
	sent bool  // its dead letter was acknowledged
}

// errStopping ends a batch when the worker is asked to stop or is aborted; the records
// not committed are left to the partition's next owner.
var errStopping = errors.New("partition is stopping")

// storeError is a failure of the runtime's own statements, not of a handler. Such failures
// concern the store, never one record, so they are retried like transient errors (except
// that a commit can fail on a deferred constraint a handler broke).
type storeError struct {
	op  string
	err error
}

func (e *storeError) Error() string { return e.op + ": " + e.err.Error() }
func (e *storeError) Unwrap() error { return e.err }

func (e *storeError) kind() Kind {
	if k := classify(e.err); e.op == "commit" && k == KindPermanent {
		return k
	}
	return KindTransient
}

// process decodes the taken records and applies them. It returns nil once every record is
// committed (handled, skipped as a duplicate or dead-lettered) and errStopping when the
// worker had to give up.
func (w *worker) process() error {
	recs := w.recs
	n := len(recs)
	w.batch.reset(n)
	if !w.replayKnown {
		w.replayUntil, w.replayKnown = w.p.replayBound(w.topic, w.partition), true
	}
	if cap(w.state) < n {
		w.state = make([]recordState, n)
	}
	w.state = w.state[:n]
	clear(w.state)
	for i, rec := range recs {
		if err := w.decode(i, rec); err != nil {
			return err
		}
	}
	return w.apply(0, n, false)
}

// decode decodes record i. Poison is recorded in its state; a transient failure (the
// registry is unreachable) is retried until it heals or the worker stops.
func (w *worker) decode(i int, rec *kgo.Record) error {
	st := &w.state[i]
	for attempt := 1; ; attempt++ {
		id, err := w.batch.decode(w.ctx, w.p.cfg.Serde, i, rec)
		if err == nil {
			u, perr := uuid.Parse(id)
			if perr != nil {
				st.kind, st.err = KindInvalid, fmt.Errorf("metadata.event_id %q is not a uuid: %w", id, perr)
				w.pm.failure(KindInvalid)
				return nil
			}
			st.id = u
			return nil
		}
		if k := classify(err); k.poison() {
			st.kind, st.err = k, fmt.Errorf("decode: %w", err)
			w.pm.failure(k)
			return nil
		}
		if w.stopping() {
			return errStopping
		}
		w.pm.failure(KindTransient)
		if err := w.wait(attempt, fmt.Errorf("decode offset %d: %w", rec.Offset, err)); err != nil {
			return err
		}
	}
}

// apply commits records [lo, hi) of the batch. Transient failures are retried forever
// with backoff. Unclassified handler failures and handler panics are retried up to
// Config.MaxAttempts times (or the route's WithMaxAttempts)
// (once bisecting, they count as permanent at once: the budget was spent on the whole
// batch). A permanent failure splits the range — at the failing event when a per-event
// handler says which one, in halves otherwise — until it is one record, which is
// dead-lettered; every other record commits.
func (w *worker) apply(lo, hi int, bisecting bool) error {
	retries, unclassified := 0, 0
	for {
		if err := w.deadLetterPending(lo, hi); err != nil {
			return err
		}
		err := w.attempt(lo, hi)
		if err == nil {
			w.pm.retrying.Set(0)
			return nil
		}
		if w.stopping() {
			return errStopping
		}
		kind := classify(err)
		var se *storeError
		if errors.As(err, &se) {
			kind = se.kind()
		}
		if kind == KindPermanent && hi-lo == 1 && w.state[lo].kind != "" {
			kind = KindTransient // nothing of this record ran: the store is failing
		}
		w.pm.failure(kind)
		switch kind {
		case KindTransient:
			retries++
			if err := w.wait(retries, err); err != nil {
				return err
			}
			continue
		case KindPanic:
			w.panicked(lo, hi, err)
			fallthrough
		case KindUnclassified:
			unclassified++
			if !bisecting && unclassified < w.p.cfg.maxAttempts(w.topic) {
				retries++
				if err := w.wait(retries, err); err != nil {
					return err
				}
				continue
			}
			w.log.Warn(string(kind)+" failure out of attempts; handling it as permanent",
				"attempts", unclassified, "err", err)
		}

		// Permanent (a panic keeps its kind in the dead letter).
		if hi-lo == 1 {
			var ee *eventError
			cause := err
			if errors.As(err, &ee) {
				cause = ee.err
			}
			dead := KindPermanent
			if kind == KindPanic {
				dead = KindPanic
			}
			w.state[lo].kind, w.state[lo].err = dead, cause
			continue // dead-letter it, then commit the offset past it
		}
		return w.split(lo, hi, err)
	}
}

// panicked logs a recovered handler panic with its stack, once per panic, and counts it.
func (w *worker) panicked(lo, hi int, err error) {
	var pe *panicError
	if !errors.As(err, &pe) {
		return
	}
	w.pm.panics.Inc()
	w.log.Error("handler panicked; the batch is rolled back and retried like a failure",
		"first_offset", w.recs[lo].Offset, "last_offset", w.recs[hi-1].Offset,
		"panic", fmt.Sprint(pe.value), "stack", string(pe.stack))
}

// split applies [lo, hi) in parts, in order, each in its own transactions.
func (w *worker) split(lo, hi int, cause error) error {
	var ee *eventError
	var parts [][2]int
	if errors.As(cause, &ee) && ee.index >= lo && ee.index < hi {
		k := ee.index
		parts = [][2]int{{lo, k}, {k, k + 1}, {k + 1, hi}}
	} else {
		mid := lo + (hi-lo)/2
		parts = [][2]int{{lo, mid}, {mid, hi}}
	}
	w.log.Info("isolating a permanent failure", "first_offset", w.recs[lo].Offset, "last_offset", w.recs[hi-1].Offset, "err", cause)
	for _, part := range parts {
		if part[0] == part[1] {
			continue
		}
		if err := w.apply(part[0], part[1], true); err != nil {
			return err
		}
	}
	return nil
}

// slowClaims is how many batches after a duplicate use the ON CONFLICT claim before the
// worker tries the optimistic one again: duplicates come in runs (a redelivered range).
const slowClaims = 16

// attempt runs records [lo, hi) in one transaction: move the stored offset past hi-1,
// claim the decoded records' event ids in the inbox, hand the ones not seen before to the
// handler, commit. After the commit the Kafka offset is marked for committing.
//
// The claim is optimistic: a plain insert of every id, which fails if one is known; the
// batch is then redone at once with ON CONFLICT DO NOTHING, which returns the new ids.
func (w *worker) attempt(lo, hi int) error {
	for {
		fast := w.slowLeft == 0
		err := w.attemptOnce(lo, hi, fast)
		if errors.Is(err, errKnownID) {
			w.slowLeft = slowClaims
			continue
		}
		if err == nil && !fast {
			w.slowLeft--
		}
		return err
	}
}

func (w *worker) attemptOnce(lo, hi int, fast bool) error {
	ctx := w.ctx
	// The connection is held apart from the transaction so that commit can close it.
	conn, err := w.p.cfg.Pool.Acquire(ctx)
	if err != nil {
		return &storeError{"begin transaction", err}
	}
	defer conn.Release()
	// A CopyBatch route hands the transaction to no handler, so it enqueues nothing: its
	// commits keep the ordinary path and wake no relay.
	quiet := w.copy == nil && w.p.cfg.Outbox != nil && w.p.cfg.Outbox.Leading()

	w.ids, w.offs = w.ids[:0], w.offs[:0]
	eligible := 0
	for i := lo; i < hi; i++ {
		if w.state[i].kind == "" {
			w.ids = append(w.ids, w.state[i].id)
			w.offs = append(w.offs, w.recs[i].Offset)
			eligible++
		}
	}
	next := w.recs[hi-1].Offset + 1
	tx, err := w.begin(conn, lo, hi, next, fast, quiet)
	if tx != nil {
		defer w.rollback(tx)
	}
	if err != nil {
		return err
	}
	w.pipe.reset(tx)
	if len(w.sel) > 0 {
		start := time.Now()
		err := w.effects(tx, fast)
		w.pm.handler.Observe(time.Since(start).Seconds())
		if err != nil {
			return err
		}
	}
	if err := w.commit(conn); err != nil {
		var df *deferredFailure
		if errors.As(err, &df) {
			return fmt.Errorf("handler: %w", err) // a deferred statement: the handler's failure
		}
		return &storeError{"commit", err}
	}
	if quiet && len(w.sel) > 0 {
		w.p.cfg.Outbox.Wake() // the transaction sent no NOTIFY: see Config.Outbox
	}

	w.pm.handled.Add(float64(len(w.sel)))
	w.pm.duplicate.Add(float64(eligible - len(w.sel)))
	w.checkHorizon()
	w.pm.batchSize.Observe(float64(hi - lo))
	w.mu.Lock()
	w.next = next
	w.pm.lag.Set(float64(max(w.hwm-next, 0)))
	w.mu.Unlock()
	if hook := w.p.afterCommit; hook != nil && hook(w.topic, w.partition, next) {
		w.p.crash()
		w.cancel()
		return errStopping
	}
	w.p.cl.MarkCommitRecords(w.recs[hi-1])
	return nil
}

// begin begins the attempt's transaction and claims the ids of [lo, hi) in it (see
// attempt); w.sel receives the slots of the events not seen before. A handler route sends
// the BEGIN and the claim in one round trip (beginClaiming); a CopyBatch route begins, then
// claims. The returned transaction, when not nil, must be rolled back if not committed,
// also when err is not nil.
func (w *worker) begin(conn *pgxpool.Conn, lo, hi int, next int64, fast, quiet bool) (pgx.Tx, error) {
	if w.copy == nil {
		return w.beginClaiming(conn, lo, hi, next, fast, quiet)
	}
	tx, err := conn.BeginTx(w.ctx, pgx.TxOptions{}) // it enqueues nothing: never quiet
	if err != nil {
		return nil, &storeError{"begin transaction", err}
	}
	return tx, w.claimIDs(tx, lo, hi, next, fast)
}

// beginClaiming sends BEGIN (with the quiet setting) and the claim as one pipeline, so the
// handler gets the transaction one round trip after the connection was taken instead of
// two. The decisions keep their order: the claim's answer is read before any handler runs,
// and an id it finds known (fast: the unique violation; slow: an id not returned) is not
// handed to the handler. A failed claim leaves the transaction aborted, to be rolled back
// on the same connection.
func (w *worker) beginClaiming(conn *pgxpool.Conn, lo, hi int, next int64, fast, quiet bool) (pgx.Tx, error) {
	var b pgx.Batch
	b.BeginTx(pgx.TxOptions{})
	if quiet {
		b.Queue(pgoutbox.QuietSetting)
	}
	w.p.store.queueClaim(&b, fast, w.topic, w.partition, w.p.logOf(w.topic, w.partition), next, w.ids, w.offs)
	br := conn.SendBatch(w.ctx, &b)
	tx := br.Tx()
	err := readBegin(br, quiet)
	if err == nil {
		w.sel = w.sel[:0]
		clear(w.fresh)
		err = w.claimed(lo, hi, fast, readClaim(br, fast, w.fresh))
	}
	if cerr := br.Close(); err == nil && cerr != nil {
		err = &storeError{"claim", cerr}
	}
	return tx, err
}

// readBegin reads the results of beginClaiming's BEGIN and quiet setting.
func readBegin(br pgx.BatchResults, quiet bool) error {
	if _, err := br.Exec(); err != nil {
		return &storeError{"begin transaction", err}
	}
	if !quiet {
		return nil
	}
	if _, err := br.Exec(); err != nil {
		return &storeError{"begin transaction", err}
	}
	return nil
}

// claimIDs moves the stored offset to next and claims the ids of [lo, hi) in the inbox of
// tx (see attempt); w.sel receives the slots of the events not seen before.
func (w *worker) claimIDs(tx pgx.Tx, lo, hi int, next int64, fast bool) error {
	ctx := w.ctx
	w.sel = w.sel[:0]
	if w.copy != nil && w.copy.eventKeyed {
		return w.claimOffset(tx, lo, hi, next, fast)
	}
	log := w.p.logOf(w.topic, w.partition)
	if fast {
		return w.claimed(lo, hi, fast, w.p.store.fastClaim(ctx, tx, w.topic, w.partition, log, next, w.ids, w.offs))
	}
	clear(w.fresh)
	return w.claimed(lo, hi, fast, w.p.store.claim(ctx, tx, w.topic, w.partition, log, next, w.ids, w.offs, w.fresh))
}

// claimed turns the outcome of a claim of [lo, hi) into w.sel: every decoded record after a
// fast claim, the first copy of each id the claim returned (in w.fresh) after a slow one.
func (w *worker) claimed(lo, hi int, fast bool, err error) error {
	if errors.Is(err, errKnownID) {
		return err
	}
	if err != nil {
		return &storeError{"claim", err}
	}
	for i := lo; i < hi; i++ {
		st := &w.state[i]
		if st.kind != "" {
			continue
		}
		if fast {
			w.sel = append(w.sel, i)
			continue
		}
		if _, ok := w.fresh[st.id]; ok {
			delete(w.fresh, st.id) // a second copy inside the batch is a duplicate
			w.sel = append(w.sel, i)
		}
	}
	return nil
}

// effects applies the new events (w.sel): the route's handler, or a CopyBatch route's rows.
func (w *worker) effects(tx pgx.Tx, fast bool) error {
	if w.copy != nil {
		return w.copyRows(tx, fast)
	}
	if err := w.batch.handle(w.ctx, tx, w.sel, w.replayUntil, w.p.cfg.Intercept, &w.pipe); err != nil {
		return fmt.Errorf("handler: %w", err)
	}
	return nil
}

func (w *worker) rollback(tx pgx.Tx) {
	if tx.Conn().PgConn().TxStatus() == 'I' {
		return // committed in a pipeline (see Deferred), which leaves tx open to pgx: nothing to end
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(w.ctx), 5*time.Second)
	defer cancel()
	_ = tx.Rollback(ctx) // after a commit this is a no-op; after a failure the error is already known
}

// deadLetterPending produces the dead letters of the poison records in [lo, hi) not yet
// acknowledged, and waits for the acknowledgements: the offset moves past a record only
// once its dead letter is durable, so nothing is dropped. A crash between the two repeats
// the dead letter (at least once) rather than losing it.
func (w *worker) deadLetterPending(lo, hi int) error {
	for attempt := 1; ; attempt++ {
		var out []*kgo.Record
		var idx []int
		now := time.Now()
		for i := lo; i < hi; i++ {
			st := &w.state[i]
			if st.kind.poison() && !st.sent {
				out = append(out, deadLetter(w.p.cfg.DeadLetterTopic, w.p.cfg.Group, w.recs[i], st.kind, st.err, now))
				idx = append(idx, i)
			}
		}
		if len(out) == 0 {
			return nil
		}
		// Bounded, so a missing topic or an unreachable broker shows up in the logs and
		// metrics as retries instead of a silent stall.
		ctx, cancel := context.WithTimeout(w.ctx, deadLetterTimeout)
		results := w.p.cl.ProduceSync(ctx, out...)
		cancel()
		var failed error
		for _, res := range results {
			// ProduceSync lists results in completion order; match them by record.
			i := idx[indexOf(out, res.Record)]
			if res.Err != nil {
				failed = res.Err
				continue
			}
			st := &w.state[i]
			st.sent = true
			w.pm.deadLetter(st.kind)
			w.log.Warn("record dead-lettered", "offset", w.recs[i].Offset, "kind", st.kind,
				"dead_letter_topic", w.p.cfg.DeadLetterTopic, "err", st.err)
		}
		if failed == nil {
			return nil
		}
		if w.stopping() {
			return errStopping
		}
		w.pm.failure(KindTransient)
		if err := w.wait(attempt, fmt.Errorf("produce dead letters: %w", failed)); err != nil {
			return err
		}
	}
}

// deadLetterTimeout bounds one attempt to produce dead letters.
const deadLetterTimeout = 30 * time.Second

func indexOf(rs []*kgo.Record, r *kgo.Record) int {
	for i, x := range rs {
		if x == r {
			return i
		}
	}
	return -1
}

// wait sleeps before retry number attempt, or returns errStopping when the worker is asked
// to stop meanwhile.
func (w *worker) wait(attempt int, cause error) error {
	d := backoff(attempt, w.p.cfg.MinBackoff, w.p.cfg.MaxBackoff)
	w.log.Warn("batch failed; retrying", "attempt", attempt, "backoff", d, "first_offset", w.recs[0].Offset, "err", cause)
	w.pm.retrying.Set(1)
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-w.stop:
		return errStopping
	case <-w.ctx.Done():
		return errStopping
	}
}
