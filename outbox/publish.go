package outbox

import (
	"context"
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
	// session can fetch ahead (aheadFetcher); acked are the previous batch's acknowledged
	// rows, deleted in the same round trip as that fetch.
	ahead  []Row
	acked  []int64
	streak int // batches fetched ahead since the last fetch from the oldest row
}

// aheadFetcher is a Session that can delete acknowledged rows and fetch the rows after an id
// in one round trip. With it the relay keeps the store and Kafka busy at once: while the
// brokers acknowledge batch k, the store deletes batch k-1 and reads batch k+1.
type aheadFetcher interface {
	// DeleteAndFetchAfter deletes ids (all below after) and returns up to limit rows with an
	// id above after, oldest first.
	DeleteAndFetchAfter(ctx context.Context, ids []int64, after int64, limit int) ([]Row, error)
}

// deleteFetcher is a Session that can delete acknowledged rows and fetch the oldest rows
// left in one round trip. With it the relay leaves a short batch's rows to the next fetch to
// delete, so no delete runs between a new row's commit and the fetch that finds it.
type deleteFetcher interface {
	// DeleteAndFetch deletes ids and returns up to limit of the other rows, oldest first.
	DeleteAndFetch(ctx context.Context, ids []int64, limit int) ([]Row, error)
}

// foldedDeleteWait is how long published rows left to the next fetch wait for it when no
// new row comes; then the relay fetches anyway, to delete them.
const foldedDeleteWait = 10 * time.Millisecond

// MaxAheadStreak bounds how many batches are fetched ahead, by id, before the relay fetches
// from the oldest row again. Fetching after an id passes over a row that a slow transaction
// committed with a lower id (the watermark trap, see the package doc); the fetch from the
// oldest row finds it, at most this many batches late.
const MaxAheadStreak = 16

// relayBatch produces the next batch (fetched ahead, or the oldest rows) in id order, waits
// for every acknowledgement and deletes the acknowledged rows, now or, when it fetched the
// following batch ahead, together with that fetch. It returns how many rows it fetched.
//
// When p.resume is set it first deletes, without publishing them, the rows already on Kafka.
// It sets p.resume after any step whose outcome it could not see.
//
// A row whose produce failed is not deleted; the next fetch starts with it again (a batch
// fetched ahead is dropped). franz-go fails every later buffered record of a partition when
// one fails, so no row of the same key was acknowledged after it: retrying from the failed
// rows keeps per-key order. Batch k+1 is produced only once all of batch k was acknowledged.
func (r *Relay) relayBatch(ctx context.Context, s Session, client *kgo.Client, p *pipeline) (int, error) {
	rows := p.ahead
	p.ahead = nil
	if rows == nil {
		df, fold := s.(deleteFetcher)
		fold = fold && len(p.acked) > 0
		if !fold {
			if err := r.deleteAcked(ctx, s, p); err != nil {
				return 0, err
			}
		}
		select {
		case <-r.wake: // the fetch below sees every row committed before this wake-up
		default:
		}
		var err error
		if fold {
			if rows, err = df.DeleteAndFetch(ctx, p.acked, r.cfg.BatchSize); err != nil {
				r.m.storeErrors.Inc()
				p.resume = true // the delete may have committed or not
				return 0, fmt.Errorf("delete %d published rows and fetch: %w", len(p.acked), err)
			}
			p.acked = nil
		} else if rows, err = s.Fetch(ctx, r.cfg.BatchSize); err != nil {
			r.m.storeErrors.Inc()
			return 0, fmt.Errorf("fetch rows: %w", err)
		}
		p.streak = 0
	}
	fetched := len(rows)
	if fetched == 0 {
		p.resume = false // nothing waits, so nothing can be on Kafka already
		return 0, nil
	}
	r.m.batchSize.Observe(float64(fetched))
	last := rows[fetched-1].ID
	if p.resume {
		var err error
		if rows, err = r.skipPublished(ctx, s, client, rows, &p.resume); err != nil {
			return fetched, err
		}
	}

	start := time.Now()
	results := r.produce(ctx, client, rows)
	var aheadErr error
	if fa, ok := s.(aheadFetcher); ok && fetched == r.cfg.BatchSize && p.streak < MaxAheadStreak {
		// The store's round trip runs while the brokers acknowledge this batch.
		p.ahead, aheadErr = fa.DeleteAndFetchAfter(ctx, p.acked, last, r.cfg.BatchSize)
		if aheadErr == nil {
			p.acked = nil
			p.streak++
			if len(p.ahead) == 0 {
				p.ahead = nil // caught up: delete this batch now, not at the next wake-up
			}
		} else {
			r.m.storeErrors.Inc()
			p.ahead = nil
		}
	}
	acked, failed, firstErr := r.collect(rows, results)
	r.m.batchDuration.Observe(time.Since(start).Seconds())
	r.m.published.Add(float64(len(acked)))
	r.m.publishErrors.Add(float64(failed))
	p.acked = append(p.acked, acked...)

	if firstErr != nil || aheadErr != nil || p.ahead == nil {
		p.ahead = nil // produced only after every row before it was acknowledged
		if _, fold := s.(deleteFetcher); fold && firstErr == nil && aheadErr == nil {
			return fetched, nil // the next fetch deletes them (see deleteFetcher)
		}
		if err := r.deleteAcked(ctx, s, p); err != nil {
			return fetched, err
		}
	}
	if aheadErr != nil {
		p.resume = true
		return fetched, fmt.Errorf("delete published rows and fetch the next batch: %w", aheadErr)
	}
	if firstErr != nil {
		p.resume = true // a record that timed out may still have been written
		return fetched, fmt.Errorf("%d of %d rows not acknowledged: %w", failed, len(rows), firstErr)
	}
	return fetched, nil
}

// produce starts producing rows in id order and returns the batch's outcome, which collect
// waits for.
func (r *Relay) produce(ctx context.Context, client *kgo.Client, rows []Row) *produced {
	out := &produced{errs: make([]error, len(rows))}
	out.wg.Add(len(rows))
	for i := range rows {
		client.Produce(ctx, r.record(&rows[i]), func(_ *kgo.Record, err error) {
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

// collect waits for every acknowledgement and splits rows into acknowledged ids and failures.
func (r *Relay) collect(rows []Row, res *produced) (acked []int64, failed int, firstErr error) {
	res.wg.Wait()
	acked = make([]int64, 0, len(rows))
	for i, err := range res.errs {
		if err != nil {
			failed++
			if firstErr == nil {
				firstErr = fmt.Errorf("produce row %d to %s: %w", rows[i].ID, rows[i].Topic, err)
			}
			continue
		}
		acked = append(acked, rows[i].ID)
	}
	return acked, failed, firstErr
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

// record is row as a Kafka record: its message's headers, then RowHeader.
func (r *Relay) record(row *Row) *kgo.Record {
	rec := &kgo.Record{Topic: row.Topic, Key: row.Key, Value: row.Value, Headers: make([]kgo.RecordHeader, len(row.Headers), len(row.Headers)+1)}
	for i, h := range row.Headers {
		rec.Headers[i] = kgo.RecordHeader{Key: h.Key, Value: h.Value}
	}
	rec.Headers = append(rec.Headers, kgo.RecordHeader{Key: RowHeader, Value: rowHeaderValue(r.name, row.ID)})
	return rec
}
