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
// A row whose produce failed is not deleted; the next fetch starts with it again. franz-go
// fails every later buffered record of a partition when one fails, so no row of the same key
// was acknowledged after it: retrying from the failed rows keeps per-key order.
func (r *Relay) relayBatch(ctx context.Context, s Session, client *kgo.Client) (int, error) {
	rows, err := s.Fetch(ctx, r.cfg.BatchSize)
	if err != nil {
		r.m.storeErrors.Inc()
		return 0, fmt.Errorf("fetch rows: %w", err)
	}
	if len(rows) == 0 {
		return 0, nil
	}
	r.m.batchSize.Observe(float64(len(rows)))

	recs := make([]*kgo.Record, len(rows))
	for i := range rows {
		recs[i] = record(&rows[i].Message)
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
			return len(rows), fmt.Errorf("delete %d published rows (they will be published again): %w", len(acked), err)
		}
	}
	if firstErr != nil {
		return len(rows), fmt.Errorf("%d of %d rows not acknowledged: %w", failed, len(rows), firstErr)
	}
	return len(rows), nil
}

// deleteTimeout bounds the delete of an acknowledged batch, which outlives ctx.
const deleteTimeout = 10 * time.Second

func record(m *Message) *kgo.Record {
	rec := &kgo.Record{Topic: m.Topic, Key: m.Key, Value: m.Value}
	if len(m.Headers) > 0 {
		rec.Headers = make([]kgo.RecordHeader, len(m.Headers))
		for i, h := range m.Headers {
			rec.Headers[i] = kgo.RecordHeader{Key: h.Key, Value: h.Value}
		}
	}
	return rec
}
