package stream_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/novatrek/support/internal/platform/stream"
	"github.com/novatrek/support/internal/platform/stream/streamtest"
	"github.com/novatrek/support/internal/testkit/pgtest"
	"github.com/novatrek/support/internal/testkit/testproc"
	"github.com/novatrek/support/outbox"
	pgoutbox "github.com/novatrek/support/outbox/postgres"
)

// TestProcessorWakesLeadingRelay: with Config.Outbox set to the relay leading the service's
// outbox, the runtime wakes it after each commit. The outbox trigger is disabled and the
// relay polls once an hour, so nothing but that wake-up can publish the rows the handler
// enqueues: each event's notification request reaching Kafka proves it (pgoutbox's
// TestQuietBeginSendsNoNotification proves the runtime's quiet transactions need it).
func TestProcessorWakesLeadingRelay(t *testing.T) {
	t.Parallel()
	r := newRig(t, 1)
	ctx := context.Background()
	pgtest.Exec(t, r.pool, `ALTER TABLE `+testproc.Schema+`.outbox DISABLE TRIGGER outbox_notify`)

	ob, err := pgoutbox.New(testproc.Schema)
	if err != nil {
		t.Fatal(err)
	}
	relay := streamtest.StartRelay(t, outbox.Config{
		Store:         ob.Store(r.pool),
		ClientOpts:    []kgo.Opt{kgo.SeedBrokers(r.env.Brokers...)},
		PollInterval:  time.Hour,
		StatsInterval: time.Hour,
		Logger:        streamtest.Logger(t, slog.LevelWarn),
	})
	streamtest.Eventually(t, "relay leads", func() (bool, error) { return relay.Leading(), nil })
	p, _ := r.processor(r.pool, false, func(cfg *stream.Config) { cfg.Outbox = relay })
	streamtest.Start(t, p)

	cons := r.env.Client(t, kgo.ConsumeTopics(testproc.OutputTopic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	for i := range 3 { // each commit wakes the relay again
		rec, err := r.gen.CreatedRecord(ctx, r.env.Serde, testproc.CreatedTopic, i)
		if err != nil {
			t.Fatal(err)
		}
		if err := r.cl.ProduceSync(ctx, rec).FirstErr(); err != nil {
			t.Fatal(err)
		}
		got := 0
		streamtest.Eventually(t, "the event's notification request on Kafka", func() (bool, error) {
			pctx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
			defer cancel()
			fs := cons.PollFetches(pctx)
			got += fs.NumRecords()
			return got > 0, nil
		})
		if got != 1 {
			t.Fatalf("event %d: %d notification requests, want 1", i, got)
		}
	}
}
