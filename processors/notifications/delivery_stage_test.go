package notifications

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/novatrek/support/internal/dev/fakes/providerfake"
	"github.com/novatrek/support/internal/platform/apiauth"
	"github.com/novatrek/support/internal/platform/config"
	"github.com/novatrek/support/internal/platform/service"
	"github.com/novatrek/support/internal/platform/topology"
	"github.com/novatrek/support/internal/testkit/kafkatest"
	"github.com/novatrek/support/internal/testkit/pgtest"
	"github.com/novatrek/support/internal/testkit/valkeytest"
	"github.com/novatrek/support/processors/notifications/delivery"
	"github.com/novatrek/support/processors/notifications/intake"
	"github.com/novatrek/support/processors/notifications/provider"
	"github.com/novatrek/support/schemas"
)

// testStreams picks a stream prefix of the test's own and returns it with the URL of the
// test Valkey (internal/testkit/valkeytest, database 9); the streams are deleted when the test ends.
func testStreams(t *testing.T) (prefix, url string) {
	t.Helper()
	prefix = "test." + uuid.NewString()
	valkeytest.Client(t, 9, delivery.StreamsFor(prefix).Keys()...)
	return prefix, valkeytest.URL(t, 9)
}

// running is a service started by startDelivering.
type running struct {
	env    *kafkatest.Env
	cfg    *config.Config
	fake   *providerfake.Server
	done   chan error
	ctx    context.Context
	cancel context.CancelFunc
}

// startDelivering runs the service with its real delivery stage (service.Run with kfake, a
// registry, a fresh database, a real Valkey and the in-process fake providers) until the
// returned cancel.
func startDelivering(t *testing.T) running {
	t.Helper()
	topics := []string{intake.RequestTopic, intake.StatusTopic, intake.ContactsTopic, topology.DeadLetterTopic(ServiceName)}
	for _, r := range intake.EventRoutes {
		topics = append(topics, r.Topic)
	}
	env := kafkatest.New(t, kfake.SeedTopics(1, topics...))
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	if _, err := env.Serde.ID(ctx, intake.StatusTopic, (&schemas.NotificationDeliveryStatusChanged{}).Schema()); err != nil {
		t.Fatal(err)
	}

	cfg := config.FromEnv()
	cfg.KafkaBrokers = env.Brokers
	cfg.SchemaRegistryURL = env.RegistryURL
	cfg.DatabaseURL = pgtest.URL(t)
	cfg.HTTPAddr = freeAddr(t)
	cfg.DataDir = t.TempDir()
	prefix, valkeyURL := testStreams(t)
	cfg.ValkeyURL = valkeyURL

	tokens := map[string]string{}
	for _, c := range devCallers {
		tokens[c] = testToken(c)
	}
	auth, err := apiauth.New(tokens)
	if err != nil {
		t.Fatal(err)
	}
	stage := DeliveryStage(DeliveryOptions{StreamPrefix: prefix, Tune: func(c *delivery.Config) {
		c.PollInterval, c.SweepInterval = 20*time.Millisecond, 100*time.Millisecond
	}})
	fakes := make(chan *providerfake.Server, 1)
	svc := NewWithConfig(Config{Auth: auth, Delivery: func(ctx context.Context, env StageEnv) error {
		fakes <- env.Providers.Fakes
		return stage(ctx, env)
	}})
	done := make(chan error, 1)
	go func() {
		done <- service.Run(ctx, svc, service.RunConfig{Config: cfg, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	}()
	var fake *providerfake.Server
	select {
	case fake = <-fakes:
		if fake == nil {
			t.Fatal("the delivery stage got no fake providers")
		}
	case err := <-done:
		t.Fatalf("Run returned before the delivery stage started: %v", err)
	}
	return running{env: env, cfg: &cfg, fake: fake, done: done, ctx: ctx, cancel: cancel}
}

// TestServiceRunDelivers runs the service with its real delivery stage (service.Run with
// kfake, a registry, a fresh database, a real Valkey and the in-process fake providers):
// one booking confirmation request becomes an email notification that SendGrid's fake
// accepts exactly once, the row ends "delivered" (the fake's event webhook reaches the
// service with no NOTIFICATIONS_PUBLIC_URL set), and a SENT delivery status event reaches
// Kafka through the outbox.
func TestServiceRunDelivers(t *testing.T) {
	t.Parallel()
	rs := startDelivering(t)
	env, cfg, fake, done, ctx, cancel := rs.env, rs.cfg, rs.fake, rs.done, rs.ctx, rs.cancel
	defer cancel()

	email := "grace-" + uuid.NewString()[:8] + "@example.com"
	gid := "guest-" + uuid.NewString()
	req := &schemas.NotificationRequested{
		Metadata: schemas.EventMetadata{EventID: uuid.NewString(), EventType: "notification.requested",
			OccurredAt: time.Now().UTC().Truncate(time.Millisecond), Producer: "svc-reservations", CorrelationID: uuid.NewString()},
		RequestID: uuid.NewString(), Kind: "BOOKING_CONFIRMATION", ReferenceID: uuid.NewString(),
		Recipients: []schemas.Recipient{{RecipientType: "GUEST", RecipientID: &gid, Email: &email}},
		Channels:   []string{"EMAIL"}, TemplateData: map[string]string{}, Urgency: "NORMAL",
		Attachments: []schemas.Attachment{},
	}
	value, err := env.Serde.Encode(ctx, intake.RequestTopic, req.Schema(), req)
	if err != nil {
		t.Fatal(err)
	}
	if err := env.Client(t).ProduceSync(ctx, &kgo.Record{Topic: intake.RequestTopic, Key: []byte(req.ReferenceID), Value: value}).FirstErr(); err != nil {
		t.Fatal(err)
	}

	pool, err := pgxpool.New(ctx, cfg.DatabaseURL)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	var (
		id     uuid.UUID
		status string
	)
	// Sent, then delivered: the fake SendGrid posts its signed "delivered" event to the
	// service's own callback listener (NOTIFICATIONS_PUBLIC_URL is unset).
	waitFor(t, done, func() bool {
		err := pool.QueryRow(ctx, `SELECT id, status FROM notifications.notifications
			WHERE recipient_id = $1 AND channel = 'email'`, gid).Scan(&id, &status)
		return err == nil && status != "pending" && status != "queued" && status != "sent"
	})
	if status != "delivered" {
		t.Fatalf("notification %s status %q; want delivered", id, status)
	}
	if n := fake.SendGrid.AcceptedFor(email); n != 1 {
		t.Fatalf("SendGrid fake accepted %d messages for %s; want 1", n, email)
	}
	if n := fake.SendGrid.AcceptedRef(id.String()); n != 1 {
		t.Errorf("SendGrid fake accepted %d messages with ref %s; want 1", n, id)
	}

	// The SENT status event reached Kafka through the outbox relay.
	consumer := env.Client(t, kgo.ConsumeTopics(intake.StatusTopic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	var sent *schemas.NotificationDeliveryStatusChanged
	for sent == nil {
		fs := consumer.PollFetches(ctx)
		if err := fs.Err0(); err != nil {
			t.Fatal(err)
		}
		fs.EachRecord(func(r *kgo.Record) {
			var ev schemas.NotificationDeliveryStatusChanged
			if err := env.Serde.Decode(ctx, r.Value, ev.Schema(), &ev); err != nil {
				t.Fatal(err)
			}
			if ev.NotificationID == id.String() && ev.Status == "SENT" {
				sent = &ev
			}
		})
	}
	if sent.Channel != "EMAIL" || sent.Provider != "sendgrid" || sent.ProviderMessageID == nil || *sent.ProviderMessageID == "" {
		t.Errorf("SENT event %+v; want channel EMAIL, provider sendgrid and the provider's message id", sent)
	}

	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run after cancel = %v; want nil", err)
	}
}

// TestLoadDirectory reads a directory file, fills a missing member with the recipient and
// rejects an entry without an address; no file gives the dev directory with every group
// the intake notifies on every channel.
func TestLoadDirectory(t *testing.T) {
	t.Parallel()
	log := slog.New(slog.DiscardHandler)
	dev, err := loadDirectory("", log)
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range groups {
		for _, ch := range []provider.Channel{provider.Email, provider.SMS, provider.Push, provider.InApp} {
			if as, err := dev.Resolve(t.Context(), string(g), ch); err != nil || len(as) == 0 {
				t.Errorf("dev directory: %s on %s: %v %v", g, ch, as, err)
			}
		}
	}

	dir := t.TempDir()
	good := filepath.Join(dir, "good.json")
	if err := os.WriteFile(good, []byte(`{"group:rescue-team": {"sms": [{"to": "+15550100"}], "email": [{"member": "STAFF:r-1", "to": "r1@example.com", "name": "R 1"}]}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	d, err := loadDirectory(good, log)
	if err != nil {
		t.Fatal(err)
	}
	sms, err := d.Resolve(t.Context(), "group:rescue-team", provider.SMS)
	if err != nil || len(sms) != 1 || sms[0].To != "+15550100" || sms[0].Member != "group:rescue-team" {
		t.Errorf("sms = %+v, %v", sms, err)
	}
	mail, err := d.Resolve(t.Context(), "group:rescue-team", provider.Email)
	if err != nil || len(mail) != 1 || mail[0] != (delivery.Address{Member: "STAFF:r-1", To: "r1@example.com", Name: "R 1"}) {
		t.Errorf("email = %+v, %v", mail, err)
	}

	bad := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(bad, []byte(`{"group:rescue-team": {"sms": [{"member": "x"}]}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := loadDirectory(bad, log); err == nil {
		t.Error("an entry without an address was accepted")
	}
	if _, err := loadDirectory(filepath.Join(dir, "missing.json"), log); err == nil {
		t.Error("a missing file was accepted")
	}
}
