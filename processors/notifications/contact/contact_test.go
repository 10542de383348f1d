package contact_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/novatrek/support/internal/platform/runner"
	"github.com/novatrek/support/internal/testkit/pgtest"
	"github.com/novatrek/support/processors/notifications"
	"github.com/novatrek/support/processors/notifications/contact"
)

func migrated(t *testing.T) *pgxpool.Pool {
	t.Helper()
	pool := pgtest.NewDB(t)
	if err := runner.Migrate(context.Background(), pool, slog.New(slog.DiscardHandler), notifications.Spec); err != nil {
		t.Fatal(err)
	}
	return pool
}

func ptr(s string) *string { return &s }

func TestParseRecipient(t *testing.T) {
	t.Parallel()
	r, err := contact.ParseRecipient("GUIDE:gd-17")
	if err != nil || r != (contact.Recipient{Type: "GUIDE", ID: "gd-17"}) || r.String() != "GUIDE:gd-17" {
		t.Fatalf("ParseRecipient = %+v, %v", r, err)
	}
	for _, bad := range []string{"gd-17", "guide:gd-17", "UNKNOWN:x", "GUIDE:", "GUIDE: x", "GUIDE:a\nb", "GUIDE:" + strings.Repeat("x", 129)} {
		if _, err := contact.ParseRecipient(bad); !errors.Is(err, contact.ErrInvalid) {
			t.Errorf("ParseRecipient(%q) = %v; want ErrInvalid", bad, err)
		}
	}
}

func TestContactValidate(t *testing.T) {
	t.Parallel()
	ok := contact.Contact{Name: "Ranger Rick", Email: ptr("rick@parks.example"), Phone: ptr("+14155550123"), TimeZone: ptr("America/Denver")}
	if err := ok.Validate(); err != nil || ok.Locale != contact.DefaultLocale {
		t.Fatalf("Validate = %v, locale %q", err, ok.Locale)
	}
	for name, c := range map[string]contact.Contact{
		"email with display name": {Email: ptr("Rick <rick@parks.example>")},
		"not an email":            {Email: ptr("rick")},
		"phone not E.164":         {Phone: ptr("415-555-0123")},
		"locale":                  {Locale: "English"},
		"time zone":               {TimeZone: ptr("Mars/Olympus")},
		"local time zone":         {TimeZone: ptr("Local")},
		"empty time zone":         {TimeZone: ptr("")},
	} {
		err := c.Validate()
		if !errors.Is(err, contact.ErrInvalid) {
			t.Errorf("%s: Validate = %v; want ErrInvalid", name, err)
		}
	}
	// Every problem is named at once.
	err := (&contact.Contact{Email: ptr("x"), Phone: ptr("1")}).Validate()
	if err == nil || !strings.Contains(err.Error(), "email") || !strings.Contains(err.Error(), "phone") {
		t.Errorf("Validate = %v; want both email and phone named", err)
	}
}

// TestPutGetDelete: PUT replaces every field and is idempotent; Get of a missing contact is
// ErrNotFound; Delete twice is fine.
func TestPutGetDelete(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := migrated(t)
	r := contact.Recipient{Type: "GUIDE", ID: "gd-1"}
	if _, err := contact.Get(ctx, pool, r); !errors.Is(err, contact.ErrNotFound) {
		t.Fatalf("Get before Put = %v; want ErrNotFound", err)
	}
	in := contact.Contact{Name: "Gia", Email: ptr("gia@guides.example"), Phone: ptr("+14155550100"), Locale: "fr-CA", TimeZone: ptr("America/Toronto")}
	first, err := contact.Put(ctx, pool, r, in, "svc-scheduling-orchestrator")
	if err != nil {
		t.Fatal(err)
	}
	again, err := contact.Put(ctx, pool, r, in, "svc-scheduling-orchestrator")
	if err != nil {
		t.Fatal(err)
	}
	if first.Recipient != "GUIDE:gd-1" || *again.Email != *in.Email || *again.Phone != *in.Phone || again.Locale != "fr-CA" ||
		*again.TimeZone != "America/Toronto" || again.UpdatedBy != "svc-scheduling-orchestrator" {
		t.Fatalf("stored %+v", again)
	}
	// A PUT without phone removes the phone (replace, not merge).
	in.Phone = nil
	if _, err := contact.Put(ctx, pool, r, in, "notifications-ops"); err != nil {
		t.Fatal(err)
	}
	got, err := contact.Get(ctx, pool, r)
	if err != nil || got.Phone != nil || got.UpdatedBy != "notifications-ops" {
		t.Fatalf("after replace: %+v, %v", got, err)
	}
	if _, err := contact.Put(ctx, pool, r, contact.Contact{Email: ptr("nope")}, "x"); !errors.Is(err, contact.ErrInvalid) {
		t.Fatalf("Put invalid = %v", err)
	}
	for i, want := range []bool{true, false} {
		if had, err := contact.Delete(ctx, pool, r); err != nil || had != want {
			t.Fatalf("Delete #%d = %v, %v; want %v", i+1, had, err, want)
		}
	}
}

// TestDevices: registering is idempotent, a token moves to the recipient that registers it
// last, the oldest beyond MaxDevicesPerRecipient are dropped, Remove leaves another
// recipient's token alone, Forget deletes a token whoever holds it.
func TestDevices(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := migrated(t)
	ada := contact.Recipient{Type: "GUEST", ID: "g-ada"}
	bob := contact.Recipient{Type: "GUEST", ID: "g-bob"}

	d, created, err := contact.Register(ctx, pool, ada, "tok-a:1", "android", "guest-app")
	if err != nil || !created || d.Recipient != "GUEST:g-ada" || d.Platform != "android" {
		t.Fatalf("Register = %+v, %v, %v", d, created, err)
	}
	if _, created, err := contact.Register(ctx, pool, ada, "tok-a:1", "android", "guest-app"); err != nil || created {
		t.Fatalf("Register again = created %v, %v; want an unchanged registration", created, err)
	}
	// The same install signs in as Bob: the token is Bob's now.
	if _, created, err := contact.Register(ctx, pool, bob, "tok-a:1", "", "guest-app"); err != nil || !created {
		t.Fatalf("Register for bob = %v, %v", created, err)
	}
	if devs, _ := contact.Devices(ctx, pool, ada); len(devs) != 0 {
		t.Fatalf("ada still has %+v", devs)
	}
	if had, err := contact.Remove(ctx, pool, ada, "tok-a:1"); err != nil || had {
		t.Fatalf("Remove by the former owner = %v, %v; want a no-op", had, err)
	}
	for i := range contact.MaxDevicesPerRecipient + 2 {
		if _, _, err := contact.Register(ctx, pool, ada, fmt.Sprint("tok-", i), "ios", "guest-app"); err != nil {
			t.Fatal(err)
		}
	}
	devs, err := contact.Devices(ctx, pool, ada)
	if err != nil || len(devs) != contact.MaxDevicesPerRecipient {
		t.Fatalf("ada has %d devices, %v; want %d", len(devs), err, contact.MaxDevicesPerRecipient)
	}
	if devs[0].Token != fmt.Sprint("tok-", contact.MaxDevicesPerRecipient+1) {
		t.Errorf("newest first: got %s", devs[0].Token)
	}
	for _, dv := range devs {
		if dv.Token == "tok-0" || dv.Token == "tok-1" {
			t.Errorf("the oldest token %s was kept", dv.Token)
		}
	}
	if had, err := contact.Forget(ctx, pool, "tok-a:1"); err != nil || !had {
		t.Fatalf("Forget = %v, %v", had, err)
	}
	for _, bad := range []string{"", "has space", "a/b", strings.Repeat("x", 4097)} {
		if _, _, err := contact.Register(ctx, pool, ada, bad, "", "guest-app"); !errors.Is(err, contact.ErrInvalid) {
			t.Errorf("Register(%q) = %v; want ErrInvalid", bad, err)
		}
	}
	if _, _, err := contact.Register(ctx, pool, ada, "tok-x", "blackberry", "guest-app"); !errors.Is(err, contact.ErrInvalid) {
		t.Errorf("unknown platform = %v; want ErrInvalid", err)
	}
	if m := contact.Member(ada, "tok-3"); !strings.HasPrefix(m, "GUEST:g-ada/device/") || strings.Contains(m, "tok-3") {
		t.Errorf("Member = %q; want the recipient and a hash, not the token", m)
	}
}
