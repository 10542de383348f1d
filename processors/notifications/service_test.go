package notifications

import (
	"context"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/novatrek/support/internal/platform/config"
	"github.com/novatrek/support/internal/platform/migrate"
	"github.com/novatrek/support/internal/testkit/servicetest"
	"github.com/novatrek/support/processors/notifications/intake"
	"github.com/novatrek/support/processors/notifications/provider"
	"github.com/novatrek/support/schemas"
)

// TestServiceRunConsumesARequest runs the service from its Spec through the runner, as
// `novatrek run svc-notifications` does (servicetest: kfake, a registry, a fresh database,
// the fake providers fakes.Provide starts), without its delivery worker, produces one
// notification request and reads the notification it made back through the API. The
// delivery worker's configuration is complete: pool, inbox, and a sender per channel at
// the fakes.
func TestServiceRunConsumesARequest(t *testing.T) {
	t.Parallel()
	svc := servicetest.Start(t, Spec, servicetest.WithoutWorkers("delivery"), servicetest.WithOpenAPICheck(),
		servicetest.WithTokens(map[string]string{CallerAnalytics: testToken(CallerAnalytics)}))
	env, ctx, done := svc.Kafka, context.Background(), svc.Done()
	cfg := config.Config{DatabaseURL: svc.DB.Config().ConnString(), HTTPAddr: strings.TrimPrefix(svc.URL, "http://")}
	se := svc.State
	if se.pool == nil || se.inbox == nil || svc.Fakes.Providers() == nil || svc.Fakes.Env["NOTIFICATIONS_SENDGRID_URL"] == "" ||
		svc.Fakes.Env["NOTIFICATIONS_TWILIO_AUTH_TOKEN"] == "" || se.delivery.Senders[provider.Email] == nil ||
		se.delivery.Senders[provider.SMS] == nil || se.delivery.Senders[provider.InApp] == nil {
		t.Fatalf("delivery stage environment incomplete: %+v", se.delivery)
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

	if err := svc.Stop(); err != nil {
		t.Fatalf("Run after cancel = %v; want nil", err)
	}
}

// waitFor polls cond until it holds, failing if the service stops first (done closed) or
// the test's deadline nears.
func waitFor(t *testing.T, done <-chan struct{}, cond func() bool) {
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
		case <-done:
			t.Fatal("the service stopped before the condition held")
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
	sets, err := migrate.Compose(Spec.Describe().Migrations...)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range sets {
		got = append(got, s.Name)
	}
	want := []string{"stream", "outbox", "templates", "channel_preferences", "notifications", "contact", "delivery", "inapp", "callbacks"}
	if !slices.Equal(got, want) {
		t.Fatalf("composed sets = %v; want %v", got, want)
	}
}
