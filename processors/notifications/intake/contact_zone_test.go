package intake_test

import (
	"context"
	"testing"
	"time"

	"github.com/novatrek/support/processors/notifications/contact"
	"github.com/novatrek/support/processors/notifications/intake"
	"github.com/novatrek/support/processors/notifications/preference"
)

// TestQuietHoursInContactZone: preferences that name no time zone run their quiet hours in
// the zone of the recipient's contact; a zone in the preferences wins; with neither, UTC.
// testNow is 03:00 UTC, 20:00 the day before in Denver (MST), inside 19:00-21:00 there.
func TestQuietHoursInContactZone(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	ctx := context.Background()
	evening := &preference.QuietHours{Start: preference.At(19, 0), End: preference.At(21, 0)}
	denver, pinnedUTC, noContact := id("zone-denver"), id("zone-pinned-utc"), id("zone-no-contact")
	for gid, zone := range map[string]string{denver: "", pinnedUTC: "UTC", noContact: ""} {
		if _, err := preference.Put(ctx, r.Pool, preference.Preferences{RecipientID: gid, TimeZone: zone, QuietHours: evening}); err != nil {
			t.Fatal(err)
		}
	}
	for _, gid := range []string{denver, pinnedUTC} {
		zone := "America/Denver"
		if _, err := contact.Put(ctx, r.Pool, contact.Recipient{Type: "GUEST", ID: gid}, contact.Contact{TimeZone: &zone}, "test"); err != nil {
			t.Fatal(err)
		}
	}
	if p, err := preference.Get(ctx, r.Pool, denver); err != nil || p.TimeZone != "" {
		t.Fatalf("preferences stored without a zone read back zone %q (%v), want none", p.TimeZone, err)
	}
	req := request("zones", "BOOKING_CONFIRMATION", "NORMAL", guest(denver), guest(pinnedUTC), guest(noContact))
	r.produce(in(intake.RequestTopic, "k", req))
	r.WaitApplied(req.Metadata.EventID)
	end := time.Date(2026, 1, 15, 4, 0, 0, 0, time.UTC) // 21:00 in Denver
	n := 0
	for _, x := range r.rows(req.Metadata.EventID) {
		if x.Channel != "email" {
			continue
		}
		n++
		switch x.Recipient {
		case "GUEST:" + denver:
			if x.Status != "deferred" || x.DeferUntil == nil || !x.DeferUntil.Equal(end) {
				t.Errorf("contact in Denver, no zone in the preferences: %+v, want deferred until %s", x, end)
			}
		default: // 03:00 in UTC is outside 19:00-21:00
			if x.Status != "pending" {
				t.Errorf("%s: %+v, want pending (quiet hours in UTC)", x.Recipient, x)
			}
		}
	}
	if n != 3 {
		t.Fatalf("%d email rows, want 3", n)
	}
}
