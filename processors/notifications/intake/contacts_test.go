package intake_test

import (
	"context"
	"testing"
	"time"

	"github.com/novatrek/support/processors/notifications/intake"
	"github.com/novatrek/support/schemas"
)

func registered(name, guest, email string, phone *string, at time.Time) *schemas.GuestRegistered {
	m := meta(name, "guest.registered")
	m.OccurredAt = at
	return &schemas.GuestRegistered{Metadata: m, GuestID: guest, Email: email, FirstName: "Ada", LastName: "Lovelace",
		Phone: phone, PreferredLanguage: "fr"}
}

// TestGuestRegisteredContacts: guest.registered upserts one contacts row per guest; the
// same event twice leaves one row; an older event arriving after a newer one does not
// overwrite it; nobody is notified.
func TestGuestRegisteredContacts(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	ctx := context.Background()
	g := id("contact-guest")
	t0 := time.Date(2026, 1, 10, 9, 0, 0, 0, time.UTC)
	newer := registered("reg-new", g, "new@example.com", str("+15550100001"), t0.Add(time.Hour))
	older := registered("reg-old", g, "old@example.com", nil, t0)

	r.produce(in(intake.ContactsTopic, g, newer))
	r.WaitApplied(newer.Metadata.EventID)
	r.produce(in(intake.ContactsTopic, g, newer), in(intake.ContactsTopic, g, older))
	r.WaitApplied(older.Metadata.EventID)

	var (
		n                int
		email, name, loc string
		phone            *string
		updated          time.Time
	)
	if err := r.Pool.QueryRow(ctx, `SELECT count(*) FROM notifications.contacts WHERE recipient_id = $1`, g).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Fatalf("%d contacts rows for the guest; want 1", n)
	}
	if err := r.Pool.QueryRow(ctx, `SELECT email, phone, name, locale, updated_at FROM notifications.contacts
		WHERE recipient_type = 'GUEST' AND recipient_id = $1`, g).Scan(&email, &phone, &name, &loc, &updated); err != nil {
		t.Fatal(err)
	}
	if email != "new@example.com" || phone == nil || *phone != "+15550100001" || name != "Ada Lovelace" || loc != "fr" ||
		!updated.Equal(t0.Add(time.Hour)) {
		t.Errorf("contact = %s %v %q %s %s; want the newer event's details", email, phone, name, loc, updated)
	}
	if rows := r.rows(newer.Metadata.EventID); len(rows) != 0 {
		t.Errorf("guest.registered created notifications: %+v", rows)
	}
}
