package notifications

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/novatrek/support/internal/dev/fakes/providerfake"
	"github.com/novatrek/support/internal/platform/config"
	"github.com/novatrek/support/internal/platform/service"
	"github.com/novatrek/support/internal/testkit/kafkatest"
	"github.com/novatrek/support/internal/testkit/servicetest"
	"github.com/novatrek/support/internal/testkit/valkeytest"
	"github.com/novatrek/support/processors/notifications/delivery"
	"github.com/novatrek/support/processors/notifications/intake"
	"github.com/novatrek/support/schemas"
)

// running is a service started by startDelivering.
type running struct {
	svc *servicetest.Service[*app]
	env *kafkatest.Env
	// cfg holds the running service's DatabaseURL and HTTPAddr.
	cfg  *config.Config
	fake *providerfake.Server
	// done is closed when the service has stopped (a loop failed, or stop).
	done <-chan struct{}
	ctx  context.Context
}

// stop stops the service and returns the runner's verdict (nil after a clean stop).
func (r running) stop() error { return r.svc.Stop() }

// startDelivering runs the service from its Spec with its real delivery worker
// (servicetest: the runner's wiring, kfake, a registry, a fresh database, the tests' Valkey
// and the fake providers fakes.Provide starts, calling back on the service's API) with
// short dispatcher and sweeper intervals. Its job streams are deleted when the test ends.
func startDelivering(t *testing.T) running {
	t.Helper()
	var svc *servicetest.Service[*app]
	vk := valkeytest.Client(t, servicetest.ValkeyDB)
	t.Cleanup(func() { // runs after the service has stopped
		if svc != nil && svc.State != nil {
			valkeytest.Clear(t, vk, delivery.StreamsFor(svc.State.delivery.StreamPrefix).Keys()...)
		}
	})
	spec := *Spec
	spec.New = func(ctx context.Context, env service.Env) (*app, error) {
		a, err := newApp(ctx, env)
		if a != nil {
			a.delivery.PollInterval, a.delivery.SweepInterval = 20*time.Millisecond, 100*time.Millisecond
		}
		return a, err
	}
	svc = servicetest.Start(t, &spec, servicetest.WithOpenAPICheck(), servicetest.WithEnv(directorySetting.Env, testDirectoryFile))
	fake := svc.Fakes.Providers()
	if fake == nil {
		t.Fatal("the delivery stage got no fake providers")
	}
	cfg := &config.Config{DatabaseURL: svc.DB.Config().ConnString(), HTTPAddr: strings.TrimPrefix(svc.URL, "http://")}
	return running{svc: svc, env: svc.Kafka, cfg: cfg, fake: fake, done: svc.Done(), ctx: context.Background()}
}

// TestServiceRunDelivers runs the service with its real delivery stage (the runner with
// kfake, a registry, a fresh database, a real Valkey and the in-process fake providers):
// one booking confirmation request becomes an email notification that SendGrid's fake
// accepts exactly once, the row ends "delivered" (the fake's event webhook reaches the
// service with no NOTIFICATIONS_PUBLIC_URL set), and a SENT delivery status event reaches
// Kafka through the outbox.
func TestServiceRunDelivers(t *testing.T) {
	t.Parallel()
	rs := startDelivering(t)
	env, cfg, fake, done, ctx := rs.env, rs.cfg, rs.fake, rs.done, rs.ctx

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

	if err := rs.stop(); err != nil {
		t.Fatalf("Run after cancel = %v; want nil", err)
	}
}
