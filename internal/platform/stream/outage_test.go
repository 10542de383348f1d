package stream_test

import (
	"testing"

	"github.com/novatrek/support/internal/platform/stream/streamtest"
)

// TestStoreOutage cuts the processor's connections to PostgreSQL (through a proxy; the
// shared server keeps running) while events arrive, then restores them: the processor
// waits and retries, then applies everything once.
func TestStoreOutage(t *testing.T) {
	t.Parallel()
	r := newRig(t, 3)
	pool, proxy := r.proxiedPool()
	p, reg := r.processor(pool, false, nil)
	streamtest.Start(t, p)

	const n = 200
	r.produceCreated(0, n)
	r.waitApplied(n)

	proxy.Cut()
	r.produceStatus(0, n)
	streamtest.Eventually(t, "transient failures reported", func() (bool, error) {
		return metric(t, reg, "novatrek_stream_failures_total", map[string]string{"kind": "transient"}) >= 3, nil
	})
	if got := r.applied(); got != n {
		t.Fatalf("%d events applied while the store was unreachable, want still %d", got, n)
	}
	if metric(t, reg, "novatrek_stream_partition_retrying", nil) == 0 {
		t.Error("no partition reports it is retrying")
	}

	proxy.Restore()
	r.waitApplied(2 * n)
	streamtest.Eventually(t, "retrying cleared", func() (bool, error) {
		return metric(t, reg, "novatrek_stream_partition_retrying", nil) == 0, nil
	})
	r.checkExactlyOnce(n, n)
}
