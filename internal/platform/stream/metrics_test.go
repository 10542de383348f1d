package stream_test

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hamba/avro/v2"

	"github.com/novatrek/support/internal/platform/serde"
	"github.com/novatrek/support/internal/platform/stream"
	"github.com/novatrek/support/internal/platform/stream/streamtest"
	"github.com/novatrek/support/internal/testkit/testproc"
)

// failingDecoder answers like an unreachable registry for its first failures calls.
type failingDecoder struct {
	stream.Decoder
	failures atomic.Int32
}

func (d *failingDecoder) Decode(ctx context.Context, data []byte, reader avro.Schema, v any) error {
	if d.failures.Add(-1) >= 0 {
		return fmt.Errorf("%w: fetching schema id 1: connection refused", serde.ErrRegistry)
	}
	return d.Decoder.Decode(ctx, data, reader, v)
}

// TestRegistryUnavailable: decoding fails as if the registry were down; the partition
// waits and then applies everything, nothing is dead-lettered.
func TestRegistryUnavailable(t *testing.T) {
	t.Parallel()
	r := newRig(t, 1)
	dec := &failingDecoder{Decoder: r.env.Serde}
	dec.failures.Store(6)
	p, reg := r.processor(r.pool, false, func(cfg *stream.Config) {
		cfg.Serde = dec
		cfg.Linger = 10 * time.Millisecond
	})
	const n = 50
	r.produceCreated(0, n)
	streamtest.Start(t, p)
	r.waitApplied(n)
	if got := metric(t, reg, "novatrek_stream_failures_total", map[string]string{"kind": "transient"}); got < 6 {
		t.Errorf("failures_total{kind=transient} = %v, want at least 6", got)
	}
	r.checkExactlyOnce(n, 0)
}

// TestMetrics checks the runtime's series after a run with duplicates and a dead letter.
func TestMetrics(t *testing.T) {
	t.Parallel()
	r := newRig(t, 2)
	p, reg := r.processor(r.pool, true, nil)
	const n = 60
	r.produceCreated(0, n)
	r.produceCreated(0, 10) // the same ten events again: duplicates
	bad := r.gen.Created(n)
	bad.PartySize = 0
	produceAll(t, r, []*kgoRecord{encodeRecord(t, r, bad)})
	streamtest.Start(t, p)

	r.waitApplied(n)
	streamtest.Eventually(t, "every record accounted for", func() (bool, error) {
		handled := metric(t, reg, "novatrek_stream_records_total", map[string]string{"outcome": "handled"})
		dups := metric(t, reg, "novatrek_stream_records_total", map[string]string{"outcome": "duplicate"})
		dead := metric(t, reg, "novatrek_stream_records_total", map[string]string{"outcome": "dead_lettered"})
		return handled == n && dups == 10 && dead == 1, nil
	})
	streamtest.Eventually(t, "consumer lag drained", func() (bool, error) {
		return metric(t, reg, "novatrek_stream_consumer_lag", nil) == 0, nil
	})
	for _, name := range []string{
		"novatrek_stream_batch_records", "novatrek_stream_handler_seconds",
		"novatrek_stream_dead_letters_total", "novatrek_stream_failures_total",
	} {
		if metric(t, reg, name, map[string]string{"group": testproc.Group}) == 0 {
			t.Errorf("%s has no samples labelled group=%s", name, testproc.Group)
		}
	}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	kprom := false
	for _, mf := range mfs {
		kprom = kprom || strings.HasPrefix(mf.GetName(), "novatrek_kafka_")
	}
	if !kprom {
		t.Error("franz-go client metrics (kprom) are not registered")
	}

	// A second processor of the same group on the same registerer is refused, not a panic.
	if _, err := stream.New(stream.Config{
		Group: testproc.Group, Brokers: r.env.Brokers, Pool: r.pool, Schema: r.schema,
		Routes: p2Routes(t, r), Serde: r.env.Serde, Metrics: reg,
	}); err == nil {
		t.Error("a second processor registered the same metrics")
	}
}

func p2Routes(t testing.TB, r *rig) []stream.Route {
	tp, err := testproc.New(r.schema, r.env.Serde)
	if err != nil {
		t.Fatal(err)
	}
	return tp.Routes()
}
