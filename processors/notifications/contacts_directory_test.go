package notifications

import (
	"context"
	"errors"
	"log/slog"
	"math/big"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/hamba/avro/v2"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/novatrek/support/internal/platform/runner"
	"github.com/novatrek/support/internal/testkit/pgtest"
	"github.com/novatrek/support/processors/notifications/contact"
	"github.com/novatrek/support/processors/notifications/delivery"
	"github.com/novatrek/support/processors/notifications/intake"
	"github.com/novatrek/support/processors/notifications/provider"
	"github.com/novatrek/support/schemas"
)

// TestContactDirectory resolves a guest's email (with name) and phone from contacts, push
// to every registered device, a group from the static directory, in-app to the recipient
// itself, and a guest without a row or without a device as ErrUnknownRecipient.
func TestContactDirectory(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.NewDB(t)
	if err := runner.Migrate(ctx, pool, slog.New(slog.DiscardHandler), Spec); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `INSERT INTO notifications.contacts
		(recipient_type, recipient_id, name, email, phone, locale, updated_at)
		VALUES ('GUEST', 'g-1', 'Ada L', 'ada@example.com', '+15550100001', 'en', now())`); err != nil {
		t.Fatal(err)
	}
	dir := newContactDirectory(pool, testDirectory(t))

	mail, err := dir.Resolve(ctx, "GUEST:g-1", provider.Email)
	if err != nil || len(mail) != 1 || mail[0] != (delivery.Address{Member: "GUEST:g-1", To: "ada@example.com", Name: "Ada L"}) {
		t.Errorf("email = %+v, %v", mail, err)
	}
	sms, err := dir.Resolve(ctx, "GUEST:g-1", provider.SMS)
	if err != nil || len(sms) != 1 || sms[0] != (delivery.Address{Member: "GUEST:g-1", To: "+15550100001"}) {
		t.Errorf("sms = %+v, %v", sms, err)
	}
	inApp, err := dir.Resolve(ctx, "GUEST:g-2", provider.InApp)
	if err != nil || len(inApp) != 1 || inApp[0].To != "GUEST:g-2" {
		t.Errorf("in-app = %+v, %v", inApp, err)
	}
	if _, err := dir.Resolve(ctx, "GUEST:g-1", provider.Push); !errors.Is(err, delivery.ErrUnknownRecipient) {
		t.Errorf("push without a token: err = %v; want ErrUnknownRecipient", err)
	}
	// Push fans out to every registered device, one member each; Forget drops a dead token.
	g1 := contact.Recipient{Type: "GUEST", ID: "g-1"}
	for _, tok := range []string{"tok-phone", "tok-tablet"} {
		if _, _, err := contact.Register(ctx, pool, g1, tok, "android", CallerApp); err != nil {
			t.Fatal(err)
		}
	}
	push, err := dir.Resolve(ctx, "GUEST:g-1", provider.Push)
	if err != nil || len(push) != 2 || push[0].Member == push[1].Member || push[0].Member == "GUEST:g-1" {
		t.Fatalf("push = %+v, %v; want two devices as distinct members", push, err)
	}
	if err := dir.Forget(ctx, "GUEST:g-1", provider.Push, push[0]); err != nil {
		t.Fatal(err)
	}
	if push, err = dir.Resolve(ctx, "GUEST:g-1", provider.Push); err != nil || len(push) != 1 {
		t.Fatalf("after Forget: push = %+v, %v; want one device left", push, err)
	}
	// A guide whose contact came through the API resolves like a guest.
	email := "gia@guides.example"
	if _, err := contact.Put(ctx, pool, contact.Recipient{Type: "GUIDE", ID: "gd-1"}, contact.Contact{Name: "Gia", Email: &email}, CallerScheduling); err != nil {
		t.Fatal(err)
	}
	if gm, err := dir.Resolve(ctx, "GUIDE:gd-1", provider.Email); err != nil || len(gm) != 1 || gm[0].To != email {
		t.Errorf("guide email = %+v, %v", gm, err)
	}
	if _, err := dir.Resolve(ctx, "GUEST:g-2", provider.Email); !errors.Is(err, delivery.ErrUnknownRecipient) {
		t.Errorf("unknown guest: err = %v; want ErrUnknownRecipient", err)
	}
	ops, err := dir.Resolve(ctx, string(intake.SourceOperationsStaff), provider.Email)
	if err != nil || len(ops) != 2 {
		t.Errorf("group = %+v, %v; want the test directory's two members", ops, err)
	}
}

// TestServiceDeliversToRegisteredGuest: guest.registered then payment.processed for that
// guest (id only, no address) → the receipt email reaches the guest's registered address
// at the fake SendGrid exactly once.
func TestServiceDeliversToRegisteredGuest(t *testing.T) {
	t.Parallel()
	rs := startDelivering(t)
	ctx, env := rs.ctx, rs.env
	gid := uuid.NewString()
	email := "ada-" + gid[:8] + "@example.com"
	now := time.Now().UTC().Truncate(time.Millisecond)
	meta := func(typ, producer string) schemas.EventMetadata {
		return schemas.EventMetadata{EventID: uuid.NewString(), EventType: typ, OccurredAt: now,
			Producer: producer, CorrelationID: uuid.NewString()}
	}
	reg := &schemas.GuestRegistered{Metadata: meta("guest.registered", "svc-guest-profiles"), GuestID: gid,
		Email: email, FirstName: "Ada", LastName: "Lovelace", PreferredLanguage: "en"}
	pay := &schemas.PaymentProcessed{Metadata: meta("payment.processed", "svc-payments"), PaymentID: uuid.NewString(),
		ReservationID: uuid.NewString(), GuestID: gid, Amount: schemas.Money{Amount: big.NewRat(12950, 100), Currency: "USD"},
		PaymentType: "FULL", Method: "CARD", Status: "CAPTURED", Provider: "stripe", ProviderReference: "ch_1"}
	payTopic := intake.EventRoutes["payment.processed"].Topic

	pool, err := pgxpool.New(ctx, rs.cfg.DatabaseURL)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	produce := func(topic string, v interface{ Schema() avro.Schema }) {
		t.Helper()
		b, err := env.Serde.Encode(ctx, topic, v.Schema(), v)
		if err != nil {
			t.Fatal(err)
		}
		if err := env.Client(t).ProduceSync(ctx, &kgo.Record{Topic: topic, Key: []byte(gid), Value: b}).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}
	// The contact first, so the receipt cannot race it (different topics, no ordering).
	produce(intake.ContactsTopic, reg)
	waitFor(t, rs.done, func() bool {
		var n int
		err := pool.QueryRow(ctx, `SELECT count(*) FROM notifications.contacts WHERE recipient_id = $1`, gid).Scan(&n)
		return err == nil && n == 1
	})
	produce(payTopic, pay)

	var (
		id     uuid.UUID
		status string
	)
	waitFor(t, rs.done, func() bool {
		err := pool.QueryRow(ctx, `SELECT id, status FROM notifications.notifications
			WHERE recipient_id = $1 AND channel = 'email'`, gid).Scan(&id, &status)
		return err == nil && status != "pending" && status != "queued"
	})
	if status != "sent" && status != "delivered" { // the fake's "delivered" event may already be in
		t.Fatalf("notification %s status %q; want sent or delivered", id, status)
	}
	if n := rs.fake.SendGrid.AcceptedFor(email); n != 1 {
		t.Fatalf("SendGrid fake accepted %d messages for %s; want 1", n, email)
	}
	if n := rs.fake.SendGrid.AcceptedRef(id.String()); n != 1 {
		t.Errorf("SendGrid fake accepted %d messages with ref %s; want 1", n, id)
	}
	if err := rs.stop(); err != nil {
		t.Fatalf("Run after cancel = %v; want nil", err)
	}
}
