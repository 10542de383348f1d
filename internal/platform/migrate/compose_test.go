package migrate_test

import (
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/novatrek/support/internal/platform/migrate"
)

// set is a set with no files: Compose looks at names and After only.
func set(name string, after ...string) migrate.Set {
	return migrate.Set{Name: name, After: after}
}

func names(sets []migrate.Set) []string {
	var out []string
	for _, s := range sets {
		out = append(out, s.Name)
	}
	return out
}

// TestComposeReproducesTheServicesOrders declares, in this table only, the After edges the
// services' sets will carry (templates, channel_preferences, inapp, payments: none;
// notifications after templates; contact and delivery after notifications; callbacks after
// delivery) and checks that Compose, given the platform sets first and the service's own
// sets in declaration order, yields exactly the order each service writes by hand today
// (payments.Service.Migrations, notifications.Service.Migrations).
func TestComposeReproducesTheServicesOrders(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		service string
		sets    []migrate.Set
		today   []string
	}{
		{
			service: "svc-payments",
			sets:    []migrate.Set{set("stream"), set("outbox"), set("idempotency"), set("payments")},
			today:   []string{"stream", "outbox", "idempotency", "payments"},
		},
		{
			service: "svc-notifications",
			sets: []migrate.Set{set("stream"), set("outbox"),
				set("templates"), set("channel_preferences"), set("notifications", "templates"),
				set("contact", "notifications"), set("delivery", "notifications"), set("inapp"),
				set("callbacks", "delivery")},
			today: []string{"stream", "outbox", "templates", "channel_preferences", "notifications",
				"contact", "delivery", "inapp", "callbacks"},
		},
		{
			// Own sets listed dependents first still come out after what they need.
			service: "svc-notifications, own sets reversed",
			sets: []migrate.Set{set("stream"), set("outbox"),
				set("callbacks", "delivery"), set("inapp"), set("delivery", "notifications"),
				set("contact", "notifications"), set("notifications", "templates"),
				set("channel_preferences"), set("templates")},
			today: []string{"stream", "outbox", "inapp", "channel_preferences", "templates",
				"notifications", "delivery", "callbacks", "contact"},
		},
	} {
		got, err := migrate.Compose(tc.sets...)
		if err != nil {
			t.Fatalf("%s: %v", tc.service, err)
		}
		if !slices.Equal(names(got), tc.today) {
			t.Errorf("%s: composed %v\nwant             %v", tc.service, names(got), tc.today)
		}
	}
}

func TestComposeRefusesBadDeclarations(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		what string
		sets []migrate.Set
		want string
	}{
		{"cycle", []migrate.Set{set("stream"), set("a", "c"), set("b", "a"), set("c", "b")},
			`migrate: compose: the After of sets "a", "b", "c" form a cycle`},
		{"self", []migrate.Set{set("a", "a")}, `the After of sets "a" form a cycle`},
		{"unknown After", []migrate.Set{set("delivery", "notifications")},
			`set "delivery" comes after "notifications", which is not among the sets`},
		{"duplicate", []migrate.Set{set("outbox"), set("payments"), set("outbox")},
			`set "outbox" is listed twice`},
	} {
		got, err := migrate.Compose(tc.sets...)
		if err == nil {
			t.Errorf("%s: Compose = %v, want an error", tc.what, names(got))
			continue
		}
		if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %q\nwant it to contain %q", tc.what, err, tc.want)
		}
	}
}

func TestDirLoadsTheFilesOfOneDirectory(t *testing.T) {
	t.Parallel()
	fsys := fstest.MapFS{
		"migrations/0001_things.sql": {Data: []byte("CREATE TABLE things (id int)")},
		"openapi.json":               {Data: []byte("{}")},
	}
	s := migrate.Dir("things", fsys, "migrations", "stream")
	if s.Name != "things" || !slices.Equal(s.After, []string{"stream"}) {
		t.Errorf("Dir = %q after %v", s.Name, s.After)
	}
	ms, err := s.Load()
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 1 || ms[0].Name != "things" || ms[0].Set != "things" {
		t.Errorf("loaded %+v, want the one migration 0001_things of set things", ms)
	}

	_, err = migrate.Dir("broken", fsys, "../migrations").Load()
	if err == nil || !strings.Contains(err.Error(), `migrate: read set broken: directory "../migrations"`) {
		t.Errorf("Load of an invalid dir = %v, want an error naming the set and the directory", err)
	}
}
