package stream_test

import (
	"context"
	"errors"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/novatrek/support/internal/platform/migrate"
	"github.com/novatrek/support/internal/platform/stream/streamtest"
	"github.com/novatrek/support/internal/testkit/testproc"
	"github.com/novatrek/support/outbox"
	pgoutbox "github.com/novatrek/support/outbox/postgres"
)

// TestOutboxCrashBeforeDeleteNotPublishedAgain runs the whole chain across a relay crash: an
// upstream service's outbox relay publishes a batch and dies after the brokers acknowledged it
// but before it deleted the rows. Its successor resumes: it finds the batch on Kafka (by the
// relay's row header), deletes it without publishing it again, and publishes the rest. Kafka
// holds every event once, and the downstream processor applies each once with no duplicate
// for its inbox to absorb.
func TestOutboxCrashBeforeDeleteNotPublishedAgain(t *testing.T) {
	t.Parallel()
	r := newRig(t, 3)
	ctx := context.Background()

	// Upstream: the reservations domain's outbox, in its own schema of the same server.
	const upstream = "reservations_upstream"
	if _, err := migrate.Apply(ctx, r.pool, upstream, pgoutbox.Migrations()); err != nil {
		t.Fatal(err)
	}
	ob, err := pgoutbox.New(upstream)
	if err != nil {
		t.Fatal(err)
	}
	const n, batch = 300, 100
	msgs := make([]outbox.Message, n)
	for i := range msgs {
		rec, err := r.gen.CreatedRecord(ctx, r.env.Serde, testproc.CreatedTopic, i)
		if err != nil {
			t.Fatal(err)
		}
		msgs[i] = outbox.Message{Topic: rec.Topic, Key: rec.Key, Value: rec.Value}
	}
	tx, err := r.pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := ob.Enqueue(ctx, tx, msgs...); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}

	// Downstream: the test processor, consuming while the relays publish.
	p, reg := r.processor(r.pool, false, nil)
	streamtest.Start(t, p)

	// The first relay deletes its first batch, then dies right after the second batch is
	// acknowledged: its rows stay in the outbox although Kafka has them.
	relayCfg := func(s outbox.Store) outbox.Config {
		return outbox.Config{
			Store:        s,
			ClientOpts:   []kgo.Opt{kgo.SeedBrokers(r.env.Brokers...)},
			BatchSize:    batch,
			PollInterval: 50 * time.Millisecond,
			LeaseRetry:   50 * time.Millisecond,
			Logger:       streamtest.Logger(t, slog.LevelWarn),
		}
	}
	relayCtx, crash := context.WithCancel(ctx)
	crashing := &crashBeforeDelete{Store: ob.Store(r.pool), crashAt: 2, crash: crash}
	first, err := outbox.NewRelay(relayCfg(crashing))
	if err != nil {
		t.Fatal(err)
	}
	if err := first.Run(relayCtx); err != nil {
		t.Fatalf("first relay: %v", err)
	}
	if !crashing.crashed.Load() {
		t.Fatal("the first relay stopped without reaching the simulated crash")
	}
	if left := r.count(`SELECT count(*) FROM ` + upstream + `.outbox`); left != n-batch {
		t.Fatalf("%d rows left after the crash, want %d (the published but undeleted batch and the rest)", left, n-batch)
	}

	// Its successor publishes every remaining row but the crashed batch, already on Kafka.
	second := relayCfg(ob.Store(r.pool))
	relayMetrics := prometheus.NewRegistry()
	second.Metrics = relayMetrics
	streamtest.StartRelay(t, second)

	r.waitApplied(n)
	streamtest.Eventually(t, "the outbox drained", func() (bool, error) {
		return r.count(`SELECT count(*) FROM `+upstream+`.outbox`) == 0, nil
	})
	if got := len(streamtest.ReadTopic(t, r.env, testproc.CreatedTopic)); got != n {
		t.Fatalf("%d records on the topic, want %d: the crashed batch was published again", got, n)
	}
	if got := metric(t, relayMetrics, "novatrek_outbox_published_total", nil); got != n-2*batch {
		t.Errorf("the successor relay published %v rows, want %d", got, n-2*batch)
	}
	if got := metric(t, relayMetrics, "novatrek_outbox_resume_skipped_total", nil); got != batch {
		t.Errorf("the successor relay skipped %v rows already on Kafka, want %d (the crashed batch)", got, batch)
	}
	r.checkExactlyOnce(n, 0)
	if got := metric(t, reg, "novatrek_stream_records_total", map[string]string{"outcome": "duplicate"}); got != 0 {
		t.Errorf("%v duplicates reached the inbox, want 0", got)
	}
}

// crashBeforeDelete is an outbox store whose relay process dies at its crashAt-th delete:
// the batch is on Kafka, the rows are not deleted, and the relay's context ends.
type crashBeforeDelete struct {
	outbox.Store
	crashAt int32
	crash   context.CancelFunc
	deletes atomic.Int32
	crashed atomic.Bool
}

func (c *crashBeforeDelete) TryLead(ctx context.Context) (outbox.Session, bool, error) {
	s, ok, err := c.Store.TryLead(ctx)
	if s != nil {
		s = &crashingSession{Session: s, store: c}
	}
	return s, ok, err
}

type crashingSession struct {
	outbox.Session
	store *crashBeforeDelete
}

func (s *crashingSession) Delete(ctx context.Context, ids []int64) error {
	if s.store.crashed.Load() {
		return errors.New("simulated crash: the process is gone")
	}
	if s.store.deletes.Add(1) == s.store.crashAt {
		s.store.crashed.Store(true)
		s.store.crash()
		return errors.New("simulated crash between publish and delete")
	}
	return s.Session.Delete(ctx, ids)
}
