package preference_test

import (
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/novatrek/support/internal/platform/migrate"
	"github.com/novatrek/support/internal/testkit/pgtest"
	"github.com/novatrek/support/processors/notifications/preference"
	"github.com/novatrek/support/processors/notifications/provider"
)

func TestPutGet(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := pgtest.NewDB(t)
	if _, err := migrate.Apply(ctx, db, "notifications", preference.Migrations); err != nil {
		t.Fatalf("migrate: %v", err)
	}

	def, err := preference.Get(ctx, db, "guest-new")
	if err != nil || def.TimeZone != "" || def.QuietHours != nil || len(def.OptedOutChannels) != 0 {
		t.Fatalf("Get of unknown recipient = %+v, %v; want defaults (no zone of their own)", def, err)
	}

	in := preference.Preferences{RecipientID: "guest-1", TimeZone: "Pacific/Auckland",
		QuietHours:         &preference.QuietHours{Start: preference.At(22, 30), End: preference.At(6, 45)},
		OptedOutChannels:   []provider.Channel{provider.SMS},
		OptedOutCategories: []preference.Category{preference.Marketing},
	}
	if _, err := preference.Put(ctx, db, in); err != nil {
		t.Fatalf("put: %v", err)
	}
	got, err := preference.Get(ctx, db, "guest-1")
	if err != nil {
		t.Fatalf("get: %v", err)
	}
	if got.UpdatedAt.IsZero() {
		t.Error("UpdatedAt not set")
	}
	got.UpdatedAt = in.UpdatedAt
	if !reflect.DeepEqual(got, in) {
		t.Errorf("get = %+v (quiet %+v); want %+v (quiet %+v)", got, got.QuietHours, in, in.QuietHours)
	}

	// Put replaces: clearing quiet hours and opt-outs sticks.
	if _, err := preference.Put(ctx, db, preference.Preferences{RecipientID: "guest-1", TimeZone: "America/Denver"}); err != nil {
		t.Fatalf("second put: %v", err)
	}
	if got, _ := preference.Get(ctx, db, "guest-1"); got.QuietHours != nil || len(got.OptedOutChannels)+len(got.OptedOutCategories) != 0 || got.TimeZone != "America/Denver" {
		t.Errorf("after replacing: %+v", got)
	}
	// No zone given: stored as none (the contact's zone, else UTC, applies), not as UTC.
	if _, err := preference.Put(ctx, db, preference.Preferences{RecipientID: "guest-1"}); err != nil {
		t.Fatalf("put without a zone: %v", err)
	}
	if got, _ := preference.Get(ctx, db, "guest-1"); got.TimeZone != "" {
		t.Errorf("after a put without a zone: zone %q, want none", got.TimeZone)
	}

	bad := []struct {
		name string
		p    preference.Preferences
		want string
	}{
		{"unknown tz", preference.Preferences{RecipientID: "g", TimeZone: "Mars/Olympus_Mons"}, "unknown time zone"},
		{"local tz", preference.Preferences{RecipientID: "g", TimeZone: "Local"}, "Local"},
		{"empty window", preference.Preferences{RecipientID: "g", QuietHours: &preference.QuietHours{Start: 60, End: 60}}, "quiet hours"},
		{"out of range", preference.Preferences{RecipientID: "g", QuietHours: &preference.QuietHours{Start: 0, End: 1440}}, "out of range"},
		{"unknown channel", preference.Preferences{RecipientID: "g", OptedOutChannels: []provider.Channel{"fax"}}, "unknown channel"},
		{"unknown category", preference.Preferences{RecipientID: "g", OptedOutCategories: []preference.Category{"gossip"}}, "unknown category"},
		{"safety opt-out", preference.Preferences{RecipientID: "g", OptedOutCategories: []preference.Category{preference.Emergency}}, "safety-critical"},
		{"no recipient", preference.Preferences{}, "recipient"},
	}
	for _, tt := range bad {
		if _, err := preference.Put(ctx, db, tt.p); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: put err = %v; want one containing %q", tt.name, err, tt.want)
		}
	}
}

func TestClockJSON(t *testing.T) {
	t.Parallel()
	q := preference.QuietHours{Start: preference.At(22, 0), End: preference.At(7, 5)}
	b, err := json.Marshal(q)
	if err != nil || string(b) != `{"start":"22:00","end":"07:05"}` {
		t.Fatalf("marshal = %s, %v", b, err)
	}
	var back preference.QuietHours
	if err := json.Unmarshal(b, &back); err != nil || back != q {
		t.Errorf("round trip = %+v, %v", back, err)
	}
	if err := json.Unmarshal([]byte(`{"start":"25:00","end":"07:00"}`), &back); err == nil {
		t.Error("25:00 accepted")
	}
}
