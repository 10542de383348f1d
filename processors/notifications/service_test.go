package notifications

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/novatrek/support/internal/platform/apiauth"
	"github.com/novatrek/support/internal/platform/config"
	"github.com/novatrek/support/internal/platform/service"
	"github.com/novatrek/support/internal/platform/topology"
	"github.com/novatrek/support/internal/testkit/kafkatest"
	"github.com/novatrek/support/internal/testkit/pgtest"
	"github.com/novatrek/support/processors/notifications/intake"
	"github.com/novatrek/support/schemas"
)

// TestServiceRunConsumesARequest runs the service as `novatrek run svc-notifications`
// does (service.Run: migrations, deps, HTTP) against kfake, a registry and a fresh
// database, with the fake providers started in-process, produces one notification
// request and reads the notification it made back through the API. The delivery stage
// hook receives its environment.
func TestServiceRunConsumesARequest(t *testing.T) {
	t.Parallel()
	topics := []string{intake.RequestTopic, intake.StatusTopic, topology.DeadLetterTopic(ServiceName)}
	for _, r := range intake.EventRoutes {
		topics = append(topics, r.Topic)
	}
	env := kafkatest.New(t, kfake.SeedTopics(1, topics...))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	// Run's serde does not auto-register (the dev stack registers schemas at start).
	status := &schemas.NotificationDeliveryStatusChanged{}
	if _, err := env.Serde.ID(ctx, intake.StatusTopic, status.Schema()); err != nil {
		t.Fatal(err)
	}

	cfg := config.FromEnv()
	cfg.KafkaBrokers = env.Brokers
	cfg.SchemaRegistryURL = env.RegistryURL
	cfg.DatabaseURL = pgtest.URL(t)
	cfg.HTTPAddr = freeAddr(t)
	cfg.DataDir = t.TempDir()

	auth, err := apiauth.New(map[string]string{CallerAnalytics: testToken(CallerAnalytics)})
	if err != nil {
		t.Fatal(err)
	}
	stage := make(chan StageEnv, 1)
	svc := NewWithConfig(Config{Auth: auth, Delivery: func(ctx context.Context, env StageEnv) error {
		stage <- env
		<-ctx.Done()
		return nil
	}})
	done := make(chan error, 1)
	go func() {
		done <- service.Run(ctx, svc, service.RunConfig{Config: cfg, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	}()
	select {
	case se := <-stage:
		if se.Pool == nil || se.InApp == nil || se.Providers.Fakes == nil || se.Providers.SendGridURL == "" || se.Providers.TwilioAuthToken == "" {
			t.Fatalf("delivery stage environment incomplete: %+v", se.Providers)
		}
	case err := <-done:
		t.Fatalf("Run returned before the delivery stage started: %v", err)
	}

	email := "ada@example.com"
	gid := "guest-" + uuid.NewString()
	req := &schemas.NotificationRequested{
		Metadata: schemas.EventMetadata{EventID: uuid.NewString(), EventType: "notification.requested",
			OccurredAt: time.Now().UTC().Truncate(time.Millisecond), Producer: "svc-reservations", CorrelationID: uuid.NewString()},
		RequestID: uuid.NewString(), Kind: "BOOKING_CONFIRMATION", ReferenceID: uuid.NewString(),
		Recipients: []schemas.Recipient{{RecipientType: "GUEST", RecipientID: &gid, Email: &email}},
		Channels:   []string{}, TemplateData: map[string]string{}, Urgency: "NORMAL", Attachments: []schemas.Attachment{},
	}
	value, err := env.Serde.Encode(ctx, intake.RequestTopic, req.Schema(), req)
	if err != nil {
		t.Fatal(err)
	}
	cl := env.Client(t)
	if err := cl.ProduceSync(ctx, &kgo.Record{Topic: intake.RequestTopic, Key: []byte(req.ReferenceID), Value: value}).FirstErr(); err != nil {
		t.Fatal(err)
	}

	pool, err := pgxpool.New(ctx, cfg.DatabaseURL)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	var id uuid.UUID
	waitFor(t, done, func() bool {
		err := pool.QueryRow(ctx, `SELECT id FROM notifications.notifications WHERE recipient_id = $1 AND channel = 'email'`, gid).Scan(&id)
		return err == nil
	})

	httpReq, err := http.NewRequestWithContext(ctx, "GET", "http://"+cfg.HTTPAddr+"/v1/notifications/"+id.String(), nil)
	if err != nil {
		t.Fatal(err)
	}
	httpReq.Header.Set("Authorization", "Bearer "+testToken(CallerAnalytics))
	resp, err := http.DefaultClient.Do(httpReq)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	wantStatus(t, "GET notification through Run", resp.StatusCode, http.StatusOK, body)
	if v := decodeJSON[notificationView](t, body); v.Kind != "BOOKING_CONFIRMATION" || v.RequestID == nil || v.RequestID.String() != req.RequestID {
		t.Fatalf("notification %+v", v)
	}

	// The delivery status event reached Kafka through the outbox relay.
	consumer := env.Client(t, kgo.ConsumeTopics(intake.StatusTopic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	for got := false; !got; {
		fs := consumer.PollFetches(ctx)
		if err := fs.Err0(); err != nil {
			t.Fatal(err)
		}
		fs.EachRecord(func(r *kgo.Record) {
			var ev schemas.NotificationDeliveryStatusChanged
			if err := env.Serde.Decode(ctx, r.Value, ev.Schema(), &ev); err != nil {
				t.Fatal(err)
			}
			if ev.NotificationID == id.String() {
				got = true
			}
		})
	}

	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run after cancel = %v; want nil", err)
	}
}

// waitFor polls cond until it holds, failing if Run returns first or the test's deadline
// nears.
func waitFor(t *testing.T, done <-chan error, cond func() bool) {
	t.Helper()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	// Give up well before the package's timeout, so a condition that never holds fails this
	// test with its own message instead of hanging every test after it.
	giveUp := time.After(2 * time.Minute)
	if deadline, ok := t.Deadline(); ok && time.Until(deadline) < 2*time.Minute+10*time.Second {
		giveUp = time.After(time.Until(deadline) - 10*time.Second)
	}
	for !cond() {
		select {
		case err := <-done:
			t.Fatalf("Run returned: %v", err)
		case <-giveUp:
			t.Fatal("the condition did not hold in time")
		case <-tick.C:
		}
	}
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// TestMigrationsComposeInTodaysOrder: the sets order themselves by their After alone, and
// the result is the order the service applied by hand before (existing databases record
// sets by name, so they see nothing new).
func TestMigrationsComposeInTodaysOrder(t *testing.T) {
	t.Parallel()
	var got []string
	for _, s := range New().Migrations() {
		got = append(got, s.Name)
	}
	want := []string{"stream", "outbox", "templates", "channel_preferences", "notifications", "contact", "delivery", "inapp", "callbacks"}
	if !slices.Equal(got, want) {
		t.Fatalf("composed sets = %v; want %v", got, want)
	}
}
