package outbox

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// pipeline is what one leadership carries from batch to batch.
type pipeline struct {
	// resume is set after a step whose outcome the relay could not see: the next batch first
	// skips the rows already on Kafka (see resume.go).
	resume bool
	// ahead holds the batch fetched while the previous one was being produced, when the
	// session can fetch ahead (aheadFetcher); acked are acknowledged rows not deleted yet,
	// deleted in the same round trip as that fetch.
	ahead  []Row
	acked  []int64
	held   []int64 // the ids a fetch-ahead is told the relay holds, its buffer kept between batches
	streak int     // batches fetched ahead since the last fetch from the oldest row
	// inflight is the batch produced last and not yet settled: while the brokers work on it,
	// the next batch is produced behind it (see relayBatch).
	inflight *inFlight
	// failedKeys are the topic and key of every keyed row that failed since the last fetch
	// from the oldest row: an acknowledged row of one of them overtook it.
	failedKeys map[string]bool
	// txn is the open transaction of a fenced relay (Config.Fence, see fence.go); nil
	// otherwise.
	txn *txn
}

// inFlight is a produced batch whose acknowledgements have not all been collected.
type inFlight struct {
	rows  []Row
	res   *produced
	start time.Time // when its first record was produced, at or before every record's timestamp
}

// aheadFetcher is a Session that can delete acknowledged rows and fetch the rows after an id
// in one round trip. With it the relay keeps the store and Kafka busy at once: while the
// brokers acknowledge batches k and k+1, the store deletes batch k-1 and reads batch k+2.
type aheadFetcher interface {
	// DeleteAndFetchAfter deletes ids (all below after) and returns up to limit rows with an
	// id above after, oldest first, read in one snapshot that sees no row with an id at or
	// below after other than held (the ids of the rows the relay fetched and has not
	// deleted, ids among them, in ascending order). If it sees another, a transaction
	// committed a row below after since it was passed over, and a later row of the same key
	// may already be above after: it returns no rows, and the relay fetches from the oldest
	// row, which publishes that row first.
	DeleteAndFetchAfter(ctx context.Context, ids []int64, after int64, held []int64, limit int) ([]Row, error)
}

// MaxAheadStreak bounds how many batches are fetched ahead, by id, before the relay fetches
// from the oldest row again. Fetching after an id passes over a row that a slow transaction
// committed with a lower id (the watermark trap, see the package doc); the fetch from the
// oldest row finds it, at most this many batches late.
const MaxAheadStreak = 16

// relayBatch produces the next batch (fetched ahead, or the oldest rows) in id order and
// returns how many rows it fetched. When the session fetches ahead, two batches are in flight
// at once: batch k+1 is produced behind batch k, then the relay waits for batch k's
// acknowledgements and, while the brokers work on k+1, deletes k's rows and fetches k+2 in one
// round trip. Otherwise (no next batch fetched ahead) it waits for the batch it produced and
// deletes its rows before returning.
//
// Producing k+1 before k is acknowledged keeps per-key order because franz-go fails every
// record still buffered for a partition when one of them fails, and batch k+1's records are
// buffered behind batch k's: a failed record of k takes k+1's records of its partition down
// with it. That holds as long as k's records cannot fail before k+1's are buffered, so k+1 is
// produced behind k only while k is younger than half the producer's delivery timeout and
// only when the client's buffer holds both batches whole (Produce blocks on a full buffer,
// so part of k+1 could be buffered only after k failed); otherwise k is settled first. A
// broker refusing a record outright (too large, corrupt) fails that record's batch alone:
// the one window doc.go names, counted in novatrek_outbox_reordered_total. When k failed,
// k+1 is waited for too and the next fetch starts from the oldest row (a batch fetched
// ahead is dropped).
//
// When p.resume is set it first deletes, without publishing them, the rows already on Kafka.
// It sets p.resume after any step whose outcome it could not see.
func (r *Relay) relayBatch(ctx context.Context, s Session, client *kgo.Client, p *pipeline) (int, error) {
	rows := p.ahead
	p.ahead = nil
	if rows == nil {
		// A fetch from the oldest row would read the rows in flight again: settle them first.
		if err := r.settle(ctx, s, p); err != nil {
			return 0, err
		}
		select {
		case <-r.wake: // the fetch below sees every row committed before this wake-up
		default:
		}
		var err error
		if rows, err = s.Fetch(ctx, r.cfg.BatchSize); err != nil {
			r.m.storeErrors.Inc()
			return 0, fmt.Errorf("fetch rows: %w", err)
		}
		p.streak = 0
		p.failedKeys = nil // the failed rows come first again
	}
	fetched := len(rows)
	if fetched == 0 {
		p.resume = false // nothing waits, so nothing can be on Kafka already
		return 0, nil
	}
	r.m.batchSize.Observe(float64(fetched))
	last := rows[fetched-1].ID
	if p.resume {
		// The check reads committed records only, up to the last stable offsets: a fenced
		// relay commits its own open transaction first, so that the check sees its records
		// and the transaction does not hold the last stable offsets below them.
		if p.txn != nil {
			if err := r.settle(ctx, s, p); err != nil {
				return fetched, err
			}
		}
		var err error
		if rows, err = r.skipPublished(ctx, s, client, rows, &p.resume); err != nil {
			return fetched, err
		}
	}
	if p.inflight != nil && (ctx.Err() != nil || time.Since(p.inflight.start) >= r.overlapLimit(client) || !r.bufferHoldsTwo(client) ||
		p.txnAging(r.txnMaxAge)) {
		// Batch k is too old to have k+1 buffered behind it, the buffer cannot hold both, the
		// open transaction is due to commit (see fenceTxnMaxAge), or the relay is stopping.
		if err := r.settle(ctx, s, p); err != nil {
			return fetched, err
		}
	}

	if err := p.begin(); err != nil {
		return fetched, err
	}
	cur := &inFlight{rows: rows, start: time.Now()}
	cur.res = r.produce(ctx, client, rows)
	if prev := p.inflight; prev != nil {
		p.inflight = nil
		if err := r.collect(p, prev); err != nil {
			// Batch k+1 went out behind the failed batch k: wait for it too, delete what was
			// acknowledged, and start again from the oldest row.
			p.inflight = cur
			if serr := r.settle(ctx, s, p); serr != nil {
				return fetched, errors.Join(err, serr)
			}
			return fetched, err
		}
	}
	p.inflight = cur

	if fa, ok := s.(aheadFetcher); ok && fetched == r.cfg.BatchSize && p.streak < MaxAheadStreak {
		// The store's round trip runs while the brokers acknowledge this batch.
		// Every row at or below last the relay knows of, in id order: the open transaction's
		// rows (a fenced relay deletes them once it commits), the previous batches'
		// acknowledged rows, then this batch's.
		// p.held is reused: a fenced transaction's pending rows grow batch by batch.
		p.held = p.held[:0]
		if p.txn != nil {
			p.held = append(p.held, p.txn.pending...)
		}
		p.held = append(p.held, p.acked...)
		for i := range cur.rows {
			p.held = append(p.held, cur.rows[i].ID)
		}
		next, err := fa.DeleteAndFetchAfter(ctx, p.acked, last, p.held, r.cfg.BatchSize)
		if err != nil {
			r.m.storeErrors.Inc()
			p.resume = true
			if serr := r.settle(ctx, s, p); serr != nil {
				err = errors.Join(err, serr)
			}
			return fetched, fmt.Errorf("delete published rows and fetch the next batch: %w", err)
		}
		p.acked = nil
		p.streak++
		if len(next) > 0 {
			p.ahead = next
			return fetched, nil // batch k+1 is produced behind this one
		}
	}
	// No next batch in hand (caught up, or the oldest row is due): settle this one now.
	return fetched, r.settle(ctx, s, p)
}

// overlapLimit is how old a batch in flight may be for the next one to be produced behind it:
// half the producer's delivery timeout, so none of its records can have timed out before the
// next batch's records are buffered behind them.
func (r *Relay) overlapLimit(client *kgo.Client) time.Duration {
	d, _ := client.OptValue(kgo.RecordDeliveryTimeout).(time.Duration)
	if d <= 0 {
		return DefaultDeliveryTimeout / 2 // no timeout: records never fail by age
	}
	return d / 2
}

// bufferHoldsTwo says whether the client buffers two batches whole: at most
// MaxBufferedRecords records, and no byte limit (a byte limit could block k+1's produce
// part-way whatever the record count).
func (r *Relay) bufferHoldsTwo(client *kgo.Client) bool {
	records, _ := client.OptValue(kgo.MaxBufferedRecords).(int64)
	bytes, _ := client.OptValue(kgo.MaxBufferedBytes).(int64)
	return bytes == 0 && 2*int64(r.cfg.BatchSize) <= records
}

// settle waits for the batch in flight, if any, and deletes every acknowledged row not
// deleted yet. It returns the batch's failure, or the delete's.
func (r *Relay) settle(ctx context.Context, s Session, p *pipeline) error {
	var err error
	if b := p.inflight; b != nil {
		p.inflight = nil
		err = r.collect(p, b)
	}
	if terr := r.endTxn(ctx, p); terr != nil {
		err = errors.Join(err, terr)
	}
	if derr := r.deleteAcked(ctx, s, p); derr != nil {
		return errors.Join(err, derr)
	}
	return err
}

// produce starts producing rows in id order and returns the batch's outcome, which collect
// waits for.
func (r *Relay) produce(ctx context.Context, client *kgo.Client, rows []Row) *produced {
	out := &produced{errs: make([]error, len(rows))}
	out.wg.Add(len(rows))
	recs := r.records(rows)
	for i := range recs {
		client.Produce(ctx, &recs[i], func(_ *kgo.Record, err error) {
			out.errs[i] = err
			out.wg.Done()
		})
	}
	return out
}

// produced is the outcome of one batch's produce, complete once wg is done.
type produced struct {
	wg   sync.WaitGroup
	errs []error
}

// collect waits for every acknowledgement of b and adds its acknowledged rows to p.acked. If
// a row failed, it sets p.resume (a record that timed out may still have been written) and
// returns the first failure.
func (r *Relay) collect(p *pipeline, b *inFlight) error {
	b.res.wg.Wait()
	r.m.batchDuration.Observe(time.Since(b.start).Seconds())
	failed, reordered := 0, 0
	var firstErr error
	for i, err := range b.res.errs {
		row := &b.rows[i]
		if err != nil {
			failed++
			p.noteFailure(err)
			if firstErr == nil {
				firstErr = fmt.Errorf("produce row %d to %s: %w", row.ID, row.Topic, err)
			}
			if row.Key != nil {
				if p.failedKeys == nil {
					p.failedKeys = map[string]bool{}
				}
				p.failedKeys[failedKey(row)] = true
			}
			continue
		}
		// A fenced relay aborts a transaction with a failed record, so no acknowledged row of
		// it overtakes anything a reader sees.
		if p.txn == nil && row.Key != nil && len(p.failedKeys) > 0 && p.failedKeys[failedKey(row)] {
			reordered++
		}
		if p.txn != nil {
			p.txn.pending = append(p.txn.pending, row.ID) // deleted once its transaction commits
		} else {
			p.acked = append(p.acked, row.ID)
		}
	}
	if reordered > 0 {
		r.m.reordered.Add(float64(reordered))
		r.log.Error("outbox relay: rows were acknowledged after an older row of their key failed; their consumers see them out of order",
			"rows", reordered)
	}
	if p.txn == nil {
		r.m.published.Add(float64(len(b.rows) - failed)) // a fenced relay counts at commit
	}
	r.m.publishErrors.Add(float64(failed))
	if firstErr != nil {
		p.resume = true
		return fmt.Errorf("%d of %d rows not acknowledged: %w", failed, len(b.rows), firstErr)
	}
	return nil
}

// deleteAcked deletes the acknowledged rows not deleted yet, even when ctx ended meanwhile:
// on shutdown this spares the next leader a resume check. A failure sets p.resume.
func (r *Relay) deleteAcked(ctx context.Context, s Session, p *pipeline) error {
	if len(p.acked) == 0 {
		return nil
	}
	dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), deleteTimeout)
	defer cancel()
	if err := s.Delete(dctx, p.acked); err != nil {
		r.m.storeErrors.Inc()
		p.resume = true
		return fmt.Errorf("delete %d published rows (the next leader or attempt finds them on Kafka): %w", len(p.acked), err)
	}
	p.acked = nil
	return nil
}

// deleteTimeout bounds the delete of an acknowledged batch, which outlives ctx.
const deleteTimeout = 10 * time.Second

// records are rows as Kafka records (each its message's headers, then RowHeader), built in
// three allocations for the whole batch (the records, their headers, the RowHeader values)
// instead of four a row: a batch is produced, acknowledged and dropped together, and the
// garbage collector was the largest share of the relay's CPU (2026-12-08).
func (r *Relay) records(rows []Row) []kgo.Record {
	headers := 0
	for i := range rows {
		headers += len(rows[i].Headers) + 1
	}
	recs := make([]kgo.Record, len(rows))
	hdrs := make([]kgo.RecordHeader, 0, headers)
	// Room for every value at its longest, so appending never moves the ones handed out.
	vals := make([]byte, 0, len(rows)*rowHeaderMaxLen(r.name))
	for i := range rows {
		row := &rows[i]
		first := len(hdrs)
		for _, h := range row.Headers {
			hdrs = append(hdrs, kgo.RecordHeader{Key: h.Key, Value: h.Value})
		}
		start := len(vals)
		vals = appendRowHeader(vals, r.name, row.ID)
		hdrs = append(hdrs, kgo.RecordHeader{Key: RowHeader, Value: vals[start:len(vals):len(vals)]})
		recs[i] = kgo.Record{Topic: row.Topic, Key: row.Key, Value: row.Value, Headers: hdrs[first:len(hdrs):len(hdrs)]}
	}
	return recs
}

// failedKey is a row's entry in pipeline.failedKeys: its topic and key.
func failedKey(row *Row) string { return row.Topic + "\x00" + string(row.Key) }
