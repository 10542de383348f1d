package outbox

import (
	"context"
	"fmt"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// relayBatch fetches the oldest rows, produces them in id order, waits for every
// acknowledgement and deletes the acknowledged rows. It returns how many rows it fetched.
//
// When *resume is set (a new leadership, or a failed delete or produce before), it first
// deletes, without publishing them, the fetched rows already on Kafka (see resume.go). It sets
// *resume again after any step whose outcome it could not see, and clears it once a check
// found nothing more to skip.
//
// A row whose produce failed is not deleted; the next fetch starts with it again. franz-go
// fails every later buffered record of a partition when one fails, so no row of the same key
// was acknowledged after it: retrying from the failed rows keeps per-key order.
func (r *Relay) relayBatch(ctx context.Context, s Session, client *kgo.Client, resume *bool) (int, error) {
	rows, err := s.Fetch(ctx, r.cfg.BatchSize)
	if err != nil {
		r.m.storeErrors.Inc()
		return 0, fmt.Errorf("fetch rows: %w", err)
	}
	fetched := len(rows)
	if fetched == 0 {
		*resume = false // nothing waits, so nothing can be on Kafka already
		return 0, nil
	}
	r.m.batchSize.Observe(float64(fetched))
	if *resume {
		if rows, err = r.skipPublished(ctx, s, client, rows, resume); err != nil {
			return fetched, err
		}
	}

	recs := make([]*kgo.Record, len(rows))
	for i := range rows {
		recs[i] = r.record(&rows[i])
	}
	start := time.Now()
	results := client.ProduceSync(ctx, recs...)
	r.m.batchDuration.Observe(time.Since(start).Seconds())

	acked := make([]int64, 0, len(rows))
	var failed int
	var firstErr error
	for i, res := range results {
		if res.Err != nil {
			failed++
			if firstErr == nil {
				firstErr = fmt.Errorf("produce row %d to %s: %w", rows[i].ID, rows[i].Topic, res.Err)
			}
			continue
		}
		acked = append(acked, rows[i].ID)
	}
	r.m.published.Add(float64(len(acked)))
	r.m.publishErrors.Add(float64(failed))

	if len(acked) > 0 {
		// Delete what Kafka has even when ctx ended meanwhile: on shutdown this spares the
		// next leader from publishing the batch again.
		dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), deleteTimeout)
		err := s.Delete(dctx, acked)
		cancel()
		if err != nil {
			r.m.storeErrors.Inc()
			*resume = true
			return fetched, fmt.Errorf("delete %d published rows (the next leader or attempt finds them on Kafka): %w", len(acked), err)
		}
	}
	if firstErr != nil {
		*resume = true // a record that timed out may still have been written
		return fetched, fmt.Errorf("%d of %d rows not acknowledged: %w", failed, len(rows), firstErr)
	}
	return fetched, nil
}

// skipPublished deletes the rows already on Kafka and returns the others, to publish. It
// keeps *resume set while it finds rows to skip: the next batch may hold more of them (a
// previous leader with a larger batch size).
func (r *Relay) skipPublished(ctx context.Context, s Session, client *kgo.Client, rows []Row, resume *bool) ([]Row, error) {
	found, unsettled, err := r.alreadyPublished(ctx, client, rows)
	if err != nil {
		r.m.publishErrors.Add(float64(len(rows)))
		return nil, fmt.Errorf("resume: check which of %d rows are on Kafka: %w", len(rows), err)
	}
	r.m.resumeUnverified.Add(float64(unsettled))
	if len(found) == 0 {
		*resume = false
		r.log.InfoContext(ctx, "outbox relay: resumed; none of the oldest rows was on Kafka yet", "rows", len(rows), "unverified", unsettled)
		return rows, nil
	}
	ids := make([]int64, 0, len(found))
	rest := rows[:0:0]
	for _, row := range rows {
		if found[row.ID] {
			ids = append(ids, row.ID)
		} else {
			rest = append(rest, row)
		}
	}
	dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), deleteTimeout)
	defer cancel()
	if err := s.Delete(dctx, ids); err != nil {
		r.m.storeErrors.Inc()
		return nil, fmt.Errorf("resume: delete %d rows already on Kafka: %w", len(ids), err)
	}
	r.m.resumeSkipped.Add(float64(len(ids)))
	r.log.InfoContext(ctx, "outbox relay: resumed; deleted rows already on Kafka without publishing them again",
		"skipped", len(ids), "rows", len(rows), "unverified", unsettled)
	return rest, nil
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
