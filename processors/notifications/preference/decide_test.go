package preference_test

import (
	"strings"
	"testing"
	"time"

	"github.com/novatrek/support/processors/notifications/preference"
	"github.com/novatrek/support/processors/notifications/provider"
)

func zone(t *testing.T, name string) *time.Location {
	t.Helper()
	l, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func quiet(tz string, start, end preference.Clock) preference.Preferences {
	return preference.Preferences{RecipientID: "guest-1", TimeZone: tz,
		QuietHours: &preference.QuietHours{Start: start, End: end}}
}

// TestDecideQuietHours checks windows that wrap midnight and DST transitions. want is the
// Defer instant in UTC, or zero for "send now".
func TestDecideQuietHours(t *testing.T) {
	t.Parallel()
	den, akl := zone(t, "America/Denver"), zone(t, "Pacific/Auckland")
	at := preference.At
	utc := func(y int, mo time.Month, d, h, m int) time.Time { return time.Date(y, mo, d, h, m, 0, 0, time.UTC) }
	tests := []struct {
		name string
		pref preference.Preferences
		now  time.Time
		want time.Time
	}{
		{"denver before window", quiet("America/Denver", at(22, 0), at(7, 0)), time.Date(2025, 6, 10, 21, 59, 0, 0, den), time.Time{}},
		{"denver window start is inside", quiet("America/Denver", at(22, 0), at(7, 0)), time.Date(2025, 6, 10, 22, 0, 0, 0, den), utc(2025, 6, 11, 13, 0)},
		{"denver after midnight", quiet("America/Denver", at(22, 0), at(7, 0)), time.Date(2025, 6, 11, 6, 59, 0, 0, den), utc(2025, 6, 11, 13, 0)},
		{"denver window end is outside", quiet("America/Denver", at(22, 0), at(7, 0)), time.Date(2025, 6, 11, 7, 0, 0, 0, den), time.Time{}},
		{"denver wraps a month end", quiet("America/Denver", at(22, 0), at(7, 0)), time.Date(2025, 6, 30, 23, 0, 0, 0, den), utc(2025, 7, 1, 13, 0)},
		// 2025-03-09 02:00 MST jumps to 03:00 MDT: the night is an hour shorter.
		{"denver spring forward night", quiet("America/Denver", at(22, 0), at(7, 0)), time.Date(2025, 3, 8, 23, 0, 0, 0, den), utc(2025, 3, 9, 13, 0)},
		// End 02:30 never happens that night: the window ends at the jump, 03:00 MDT.
		{"denver end inside the gap", quiet("America/Denver", at(23, 0), at(2, 30)), time.Date(2025, 3, 9, 1, 0, 0, 0, den), utc(2025, 3, 9, 9, 0)},
		// 2025-11-02 02:00 MDT falls back to 01:00 MST: the night is an hour longer.
		{"denver fall back night", quiet("America/Denver", at(22, 0), at(7, 0)), time.Date(2025, 11, 1, 23, 0, 0, 0, den), utc(2025, 11, 2, 14, 0)},
		// 01:30 happens twice; the first 01:15 (MDT) ends at the first 01:30 ...
		{"denver repeated end, first pass", quiet("America/Denver", at(22, 0), at(1, 30)), utc(2025, 11, 2, 7, 15), utc(2025, 11, 2, 7, 30)},
		// ... and the second 01:15 (MST) at the second.
		{"denver repeated end, second pass", quiet("America/Denver", at(22, 0), at(1, 30)), utc(2025, 11, 2, 8, 15), utc(2025, 11, 2, 8, 30)},
		{"auckland daytime window", quiet("Pacific/Auckland", at(13, 0), at(14, 0)), time.Date(2025, 1, 15, 13, 30, 0, 0, akl), utc(2025, 1, 15, 1, 0)},
		{"auckland outside daytime window", quiet("Pacific/Auckland", at(13, 0), at(14, 0)), time.Date(2025, 1, 15, 12, 59, 0, 0, akl), time.Time{}},
		// 2025-04-06 03:00 NZDT falls back to 02:00 NZST: 06:30 NZST is 18:30 UTC.
		{"auckland dst ends", quiet("Pacific/Auckland", at(21, 0), at(6, 30)), time.Date(2025, 4, 5, 22, 0, 0, 0, akl), utc(2025, 4, 5, 18, 30)},
		// 2025-09-28 02:00 NZST jumps to 03:00 NZDT: 06:30 NZDT is 17:30 UTC.
		{"auckland dst starts", quiet("Pacific/Auckland", at(21, 0), at(6, 30)), time.Date(2025, 9, 27, 22, 0, 0, 0, akl), utc(2025, 9, 27, 17, 30)},
		// One instant, two recipients: 05:00 UTC is 23:00 in Denver but 17:00 in Auckland.
		{"same instant denver", quiet("America/Denver", at(22, 0), at(7, 0)), utc(2025, 6, 11, 5, 0), utc(2025, 6, 11, 13, 0)},
		{"same instant auckland", quiet("Pacific/Auckland", at(22, 0), at(7, 0)), utc(2025, 6, 11, 5, 0), time.Time{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := preference.Decide(tt.pref, preference.Transactional, provider.SMS, tt.now)
			if !d.Send || !d.Defer.Equal(tt.want) {
				t.Errorf("Decide at %s = %+v; want send, defer until %s", tt.now.UTC(), d, tt.want)
			}
			if !tt.want.IsZero() && !strings.HasPrefix(d.Reason, preference.ReasonQuietHours) {
				t.Errorf("reason = %q; want quiet hours", d.Reason)
			}
		})
	}
}

// TestSafetyBypassesPreferences is the explicit proof that emergencies, wildlife and safety
// alerts ignore quiet hours, category opt-outs and channel opt-outs, while the same
// preferences hold back every other category.
func TestSafetyBypassesPreferences(t *testing.T) {
	t.Parallel()
	den := zone(t, "America/Denver")
	night := time.Date(2025, 6, 10, 23, 30, 0, 0, den)
	strict := quiet("America/Denver", preference.At(22, 0), preference.At(7, 0))
	strict.OptedOutChannels = []provider.Channel{provider.SMS, provider.Push, provider.Email}
	strict.OptedOutCategories = []preference.Category{preference.Marketing, preference.Transactional}

	for _, c := range []preference.Category{preference.Emergency, preference.Wildlife, preference.Safety} {
		if !preference.BypassesPreferences(c) {
			t.Errorf("BypassesPreferences(%s) = false; safety-critical categories must bypass", c)
		}
		for _, ch := range []provider.Channel{provider.SMS, provider.Push, provider.Email, provider.InApp} {
			d := preference.Decide(strict, c, ch, night)
			if !d.Send || !d.Defer.IsZero() || d.Reason != preference.ReasonSafetyBypass {
				t.Errorf("Decide(%s on %s at night, all opted out) = %+v; want send now", c, ch, d)
			}
		}
	}
	for _, c := range []preference.Category{preference.Marketing, preference.Transactional, preference.Operational} {
		if preference.BypassesPreferences(c) {
			t.Errorf("BypassesPreferences(%s) = true; want false", c)
		}
		if d := preference.Decide(strict, c, provider.SMS, night); d.Send {
			t.Errorf("Decide(%s on opted-out sms) = %+v; want no send", c, d)
		}
	}
}

func TestDecideOptOuts(t *testing.T) {
	t.Parallel()
	now := time.Date(2025, 6, 10, 12, 0, 0, 0, time.UTC)
	p := preference.Preferences{RecipientID: "g", TimeZone: "UTC",
		OptedOutChannels:   []provider.Channel{provider.SMS},
		OptedOutCategories: []preference.Category{preference.Marketing},
		QuietHours:         &preference.QuietHours{Start: preference.At(11, 0), End: preference.At(13, 0)},
	}
	tests := []struct {
		cat        preference.Category
		ch         provider.Channel
		send, defr bool
		reason     string
	}{
		{preference.Transactional, provider.SMS, false, false, "opted out of channel: sms"},
		{preference.Marketing, provider.Email, false, false, "opted out of category: marketing"},
		{preference.Transactional, provider.Email, true, true, preference.ReasonQuietHours},
		{preference.Transactional, provider.InApp, true, false, preference.ReasonAllowed}, // in-app is never deferred
		{preference.Marketing, provider.InApp, false, false, "opted out of category: marketing"},
	}
	for _, tt := range tests {
		d := preference.Decide(p, tt.cat, tt.ch, now)
		if d.Send != tt.send || d.Defer.IsZero() == tt.defr || !strings.HasPrefix(d.Reason, tt.reason) {
			t.Errorf("Decide(%s, %s) = %+v; want send=%v deferred=%v reason %q", tt.cat, tt.ch, d, tt.send, tt.defr, tt.reason)
		}
	}
	if d := preference.Decide(preference.Preferences{RecipientID: "new"}, preference.Marketing, provider.SMS, now); !d.Send || !d.Defer.IsZero() {
		t.Errorf("default preferences: %+v; want send now", d)
	}
}

// TestWithZone: the preferences' own zone wins over the contact's; without one the
// contact's zone is used, and with neither Decide runs in DefaultTimeZone.
func TestWithZone(t *testing.T) {
	p := preference.Preferences{RecipientID: "g"}
	if got := p.WithZone("America/Denver").TimeZone; got != "America/Denver" {
		t.Errorf("no zone + contact zone = %q, want America/Denver", got)
	}
	p.TimeZone = "Europe/Paris"
	if got := p.WithZone("America/Denver").TimeZone; got != "Europe/Paris" {
		t.Errorf("own zone + contact zone = %q, want Europe/Paris", got)
	}
	if got := (preference.Preferences{}).WithZone("").TimeZone; got != "" {
		t.Errorf("neither = %q, want none", got)
	}
}
