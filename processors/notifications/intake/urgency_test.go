package intake_test

import (
	"context"
	"testing"

	"github.com/novatrek/support/processors/notifications/intake"
	"github.com/novatrek/support/processors/notifications/preference"
	"github.com/novatrek/support/processors/notifications/provider"
)

// TestCriticalUrgencyOnlyChoosesTheLane: urgency CRITICAL puts a request in the emergency
// lane whatever its kind, but only safety-critical categories (emergency, wildlife, safety)
// bypass preferences: a CRITICAL waiver copy or booking confirmation still honors the
// recipient's opt-outs and quiet hours, a CRITICAL safety alert does not.
func TestCriticalUrgencyOnlyChoosesTheLane(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	ctx := context.Background()
	optedOut, quiet := id("crit-opted-out"), id("crit-quiet")
	if _, err := preference.Put(ctx, r.Pool, preference.Preferences{RecipientID: optedOut, TimeZone: "UTC",
		OptedOutChannels: []provider.Channel{provider.Email, provider.SMS, provider.Push}}); err != nil {
		t.Fatal(err)
	}
	if _, err := preference.Put(ctx, r.Pool, preference.Preferences{RecipientID: quiet, TimeZone: "UTC",
		QuietHours: &preference.QuietHours{Start: preference.At(22, 0), End: preference.At(7, 0)}}); err != nil {
		t.Fatal(err)
	}
	waiver := request("crit-waiver", "WAIVER_COPY", "CRITICAL", guest(optedOut))
	booking := request("crit-booking", "BOOKING_CONFIRMATION", "CRITICAL", guest(quiet))
	safety := request("crit-safety", "SAFETY_ALERT", "CRITICAL", guest(optedOut), guest(quiet))
	routineSafety := request("normal-safety", "SAFETY_ALERT", "NORMAL", guest(optedOut))
	r.produce(in(intake.RequestTopic, "k", waiver), in(intake.RequestTopic, "k", booking),
		in(intake.RequestTopic, "k", safety), in(intake.RequestTopic, "k", routineSafety))

	t.Run("critical waiver copy honors the opt-out", func(t *testing.T) {
		r.WaitApplied(waiver.Metadata.EventID)
		rows := r.rows(waiver.Metadata.EventID)
		if len(rows) != 1 {
			t.Fatalf("%d rows, want 1 (email)", len(rows))
		}
		if x := rows[0]; x.Status != "suppressed" || x.Priority != "emergency" || x.Reason == "" {
			t.Errorf("row %+v: want suppressed (opted out of email) in the emergency lane, with a reason", x)
		}
	})
	t.Run("critical booking confirmation honors quiet hours", func(t *testing.T) {
		r.WaitApplied(booking.Metadata.EventID)
		for _, x := range r.rows(booking.Metadata.EventID) {
			want := "deferred"
			if x.Channel == "in_app" {
				want = "pending"
			}
			if x.Status != want || x.Priority != "emergency" {
				t.Errorf("row %+v: want %s in the emergency lane", x, want)
			}
		}
	})
	for name, ev := range map[string]string{"critical safety alert bypasses": safety.Metadata.EventID,
		"normal safety alert bypasses": routineSafety.Metadata.EventID} {
		t.Run(name, func(t *testing.T) {
			r.WaitApplied(ev)
			n := 0
			for _, x := range r.rows(ev) {
				if x.Recipient != "GUEST:"+optedOut && x.Recipient != "GUEST:"+quiet {
					continue
				}
				n++
				if x.Status != "pending" || x.DeferUntil != nil || x.Priority != "emergency" || x.Reason != preference.ReasonSafetyBypass {
					t.Errorf("row %+v: want pending now in the emergency lane, reason %q", x, preference.ReasonSafetyBypass)
				}
			}
			if n == 0 {
				t.Fatal("no rows for the guests")
			}
		})
	}
}
