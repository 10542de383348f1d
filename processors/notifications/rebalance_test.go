package notifications

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/novatrek/support/internal/platform/apiauth"
	"github.com/novatrek/support/internal/platform/config"
	"github.com/novatrek/support/internal/platform/runner"
	"github.com/novatrek/support/internal/platform/service"
	"github.com/novatrek/support/internal/platform/stream/streamtest"
	"github.com/novatrek/support/internal/platform/topology"
	"github.com/novatrek/support/internal/testkit/kafkatest"
	"github.com/novatrek/support/internal/testkit/pgtest"
	"github.com/novatrek/support/internal/testkit/servicetest"
	"github.com/novatrek/support/internal/testkit/valkeytest"
	"github.com/novatrek/support/processors/notifications/intake"
	"github.com/novatrek/support/schemas"
)

// TestRebalanceThreeInstances runs three instances of the service (runner.Run: consumer,
// outbox relay, API) in one consumer group while notification requests stream in across
// six partitions; one instance stops while it is consuming, a fourth joins, a second
// stops. Every request makes exactly one notification and one delivery status event on
// Kafka. The delivery stage is idle here: what is proven is the consumer group's intake.
func TestRebalanceThreeInstances(t *testing.T) {
	t.Parallel()
	var others []string
	for _, r := range intake.EventRoutes {
		others = append(others, r.Topic)
	}
	others = append(others, intake.StatusTopic, intake.ContactsTopic, topology.DeadLetterTopic(ServiceName))
	env := kafkatest.New(t, kfake.SeedTopics(1, others...), kfake.SeedTopics(6, intake.RequestTopic))
	ctx := context.Background()
	// Run's serde does not auto-register (the dev stack registers schemas at start).
	if _, err := env.Serde.ID(ctx, intake.StatusTopic, (&schemas.NotificationDeliveryStatusChanged{}).Schema()); err != nil {
		t.Fatal(err)
	}
	base := config.FromEnv()
	base.KafkaBrokers = env.Brokers
	base.SchemaRegistryURL = env.RegistryURL
	base.DatabaseURL = pgtest.URL(t)
	base.ValkeyURL = valkeytest.URL(t, servicetest.ValkeyDB)
	vars := providedEnv(t, map[string]string{apiauth.EnvTokens: CallerAnalytics + "=" + testToken(CallerAnalytics)})
	getenv := func(k string) string { return vars[k] }
	// The delivery worker is left out: what is proven is the consumer group's intake.
	spec := *Spec
	spec.Workers = nil

	// Each instance is another process (runner.Run, as `novatrek run`): its own address and
	// data dir; the shared database and cluster.
	instance := func() (stop func()) {
		cfg := base
		cfg.HTTPAddr = freeAddr(t)
		cfg.DataDir = t.TempDir()
		rctx, cancel := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() {
			done <- runner.Run(rctx, &spec, service.RunConfig{Config: cfg, Getenv: getenv, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		}()
		stopped := false
		stop = func() {
			if stopped {
				return
			}
			stopped = true
			cancel()
			if err := <-done; err != nil {
				t.Errorf("instance on %s: Run = %v", cfg.HTTPAddr, err)
			}
		}
		t.Cleanup(stop)
		return stop
	}

	const n, wave = 90, 30
	cl := env.Client(t)
	recipients := make([]string, n)
	produce := func(from, to int) {
		t.Helper()
		var recs []*kgo.Record
		for i := from; i < to; i++ {
			email := "guest@example.com"
			recipients[i] = "guest-" + uuid.NewString()
			req := &schemas.NotificationRequested{
				Metadata: schemas.EventMetadata{EventID: uuid.NewString(), EventType: "notification.requested",
					OccurredAt: time.Now().UTC().Truncate(time.Millisecond), Producer: "svc-reservations", CorrelationID: uuid.NewString()},
				RequestID: uuid.NewString(), Kind: "BOOKING_CONFIRMATION", ReferenceID: uuid.NewString(),
				Recipients: []schemas.Recipient{{RecipientType: "GUEST", RecipientID: &recipients[i], Email: &email}},
				Channels:   []string{"EMAIL"}, TemplateData: map[string]string{}, Urgency: "NORMAL", Attachments: []schemas.Attachment{},
			}
			value, err := env.Serde.Encode(ctx, intake.RequestTopic, req.Schema(), req)
			if err != nil {
				t.Fatal(err)
			}
			recs = append(recs, &kgo.Record{Topic: intake.RequestTopic, Key: []byte(req.ReferenceID), Value: value})
		}
		if err := cl.ProduceSync(ctx, recs...).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}
	pool, err := pgxpool.New(ctx, base.DatabaseURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	count := func(sql string, args ...any) (int, error) {
		var c int
		err := pool.QueryRow(ctx, sql, args...).Scan(&c)
		return c, err
	}
	mustCount := func(sql string, args ...any) int {
		t.Helper()
		c, err := count(sql, args...)
		if err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
		return c
	}
	made := func(atLeast int) {
		t.Helper()
		streamtest.Eventually(t, "notifications made", func() (bool, error) {
			c, err := count(`SELECT count(*) FROM notifications.notifications`)
			return err == nil && c >= atLeast, nil // an error: not migrated by the first instance yet
		})
	}

	stopA, stopB := instance(), instance()
	instance()
	produce(0, wave)
	made(wave / 2)
	produce(wave, 2*wave)
	stopB() // while the second wave is being consumed
	instance()
	made(wave + wave/2)
	produce(2*wave, n)
	stopA()

	made(n)
	streamtest.Eventually(t, "outbox drained", func() (bool, error) {
		return mustCount(`SELECT count(*) FROM notifications.outbox`) == 0, nil
	})
	if got := mustCount(`SELECT count(*) FROM notifications.notifications`); got != n {
		t.Errorf("%d notifications, want one per request (%d)", got, n)
	}
	for _, r := range recipients {
		if got := mustCount(`SELECT count(*) FROM notifications.notifications WHERE recipient_id = $1`, r); got != 1 {
			t.Errorf("recipient %s: %d notifications, want 1", r, got)
		}
	}
	statuses := map[string]int{}
	for _, rec := range streamtest.ReadTopic(t, env, intake.StatusTopic) {
		var ev schemas.NotificationDeliveryStatusChanged
		if err := env.Serde.Decode(ctx, rec.Value, ev.Schema(), &ev); err != nil {
			t.Fatal(err)
		}
		statuses[ev.NotificationID]++
	}
	if len(statuses) != n {
		t.Errorf("status events for %d notifications, want %d", len(statuses), n)
	}
	for id, c := range statuses {
		if c != 1 {
			t.Errorf("notification %s: %d status events, want 1", id, c)
		}
	}
}
