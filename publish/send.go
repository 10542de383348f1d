package publish

import (
	"context"
	"fmt"
	"sync"

	"github.com/twmb/franz-go/pkg/kgo"
)

// Send produces recs and waits until every one is acknowledged or failed; errs[i] is the
// outcome of recs[i]. Records with the same key keep their order (same partition, idempotent
// producer). A failed record was not written (the idempotent producer does not duplicate
// retried batches).
func (p *Publisher) Send(ctx context.Context, recs ...*kgo.Record) []error {
	errs := make([]error, len(recs))
	var wg sync.WaitGroup
	wg.Add(len(recs))
	for i, r := range recs {
		p.client.Produce(ctx, r, func(r *kgo.Record, err error) {
			if err != nil {
				errs[i] = fmt.Errorf("producing to %s: %w", r.Topic, err)
			}
			wg.Done()
		})
	}
	wg.Wait()
	return errs
}
