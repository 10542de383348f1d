package template_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/novatrek/support/internal/platform/migrate"
	"github.com/novatrek/support/internal/testkit/pgtest"
	"github.com/novatrek/support/processors/notifications/provider"
	"github.com/novatrek/support/processors/notifications/template"
)

func newDB(t *testing.T) *pgxpool.Pool {
	t.Helper()
	pool := pgtest.NewDB(t)
	if _, err := migrate.Apply(context.Background(), pool, "notifications", template.Migrations); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	return pool
}

var checkinKey = template.Key{Name: "checkin-confirmation", Channel: provider.SMS, Locale: "en"}

func draft(k template.Key, body string) template.Draft {
	return template.Draft{
		Key:        k,
		Subject:    "Check-in for {{.trip}}",
		Body:       body,
		Variables:  []string{"guest_name", "trip"},
		SampleData: map[string]any{"guest_name": "Ada", "trip": "Canyon Hike"},
	}
}

func mustPublish(t *testing.T, db template.DB, d template.Draft) template.Version {
	t.Helper()
	v, err := template.Publish(context.Background(), db, d)
	if err != nil {
		t.Fatalf("publish %s: %v", d.Key, err)
	}
	return v
}

func render(t *testing.T, v template.Version, data map[string]any) template.Rendered {
	t.Helper()
	r, err := v.Render(data)
	if err != nil {
		t.Fatalf("render v%d: %v", v.Version, err)
	}
	return r
}

func TestPublishRollback(t *testing.T) {
	t.Parallel()
	ctx, db := context.Background(), newDB(t)
	data := map[string]any{"guest_name": "Grace", "trip": "River Run"}

	v1 := mustPublish(t, db, draft(checkinKey, "Hi {{.guest_name}}, you're checked in."))
	v2 := mustPublish(t, db, draft(checkinKey, "Welcome {{.guest_name}}! {{.trip}} starts soon."))
	if v1.Version != 1 || v2.Version != 2 || v1.ID == v2.ID {
		t.Fatalf("versions = %d (id %d), %d (id %d); want 1, 2 with distinct ids", v1.Version, v1.ID, v2.Version, v2.ID)
	}
	cur, err := template.Current(ctx, db, checkinKey)
	if err != nil || cur.ID != v2.ID {
		t.Fatalf("current after two publishes = id %d, %v; want v2 id %d", cur.ID, err, v2.ID)
	}

	// A notification sent now records v2's id.
	stored := v2.ID

	if _, err := template.Rollback(ctx, db, checkinKey, 1, "ops"); err != nil {
		t.Fatalf("rollback: %v", err)
	}
	cur, err = template.Current(ctx, db, checkinKey)
	if err != nil {
		t.Fatalf("current after rollback: %v", err)
	}
	if got := render(t, cur, data).Body; got != "Hi Grace, you're checked in." {
		t.Errorf("current renders %q after rollback; want v1's text", got)
	}
	old, err := template.Get(ctx, db, stored)
	if err != nil {
		t.Fatalf("get stored id: %v", err)
	}
	if got := render(t, old, data).Body; got != "Welcome Grace! River Run starts soon." {
		t.Errorf("stored v2 id renders %q; want v2's text", got)
	}

	hist, err := template.History(ctx, db, checkinKey)
	if err != nil {
		t.Fatalf("history: %v", err)
	}
	var got []string
	for _, a := range hist {
		got = append(got, a.Action+":"+string(rune('0'+a.Version)))
	}
	if strings.Join(got, ",") != "publish:1,publish:2,rollback:1" {
		t.Errorf("history = %v; want publish:1,publish:2,rollback:1", got)
	}

	// Publishing after a rollback continues the numbering and becomes current.
	v3 := mustPublish(t, db, draft(checkinKey, "v3 {{.guest_name}}"))
	if cur, _ := template.Current(ctx, db, checkinKey); v3.Version != 3 || cur.ID != v3.ID {
		t.Errorf("after publish v3: version %d, current id %d; want 3, %d", v3.Version, cur.ID, v3.ID)
	}
}

func TestRollbackUnknownVersion(t *testing.T) {
	t.Parallel()
	ctx, db := context.Background(), newDB(t)
	mustPublish(t, db, draft(checkinKey, "Hi {{.guest_name}}"))
	if _, err := template.Rollback(ctx, db, checkinKey, 7, ""); !errors.Is(err, template.ErrNotFound) {
		t.Errorf("rollback to missing version: err = %v; want ErrNotFound", err)
	}
	if _, err := template.Current(ctx, db, template.Key{Name: "nope", Channel: provider.SMS, Locale: "en"}); !errors.Is(err, template.ErrNotFound) {
		t.Errorf("current of unknown template: err = %v; want ErrNotFound", err)
	}
}

func TestPublishRejectsBadVariables(t *testing.T) {
	t.Parallel()
	ctx, db := context.Background(), newDB(t)
	tests := []struct {
		name       string
		d          template.Draft
		missing    []string
		undeclared []string
	}{
		{
			name:       "undeclared variable",
			d:          draft(checkinKey, "Hi {{.guest_name}}, meet {{.guide_name}}"),
			undeclared: []string{"guide_name"},
		},
		{
			name: "declared variable missing from sample data",
			d: func() template.Draft {
				d := draft(checkinKey, "Hi {{.guest_name}} at {{.start_time}}")
				d.Variables = append(d.Variables, "start_time")
				return d
			}(),
			missing: []string{"start_time"},
		},
		{
			name:       "undeclared via $ inside range",
			d:          draft(checkinKey, "{{range .trip}}{{.name}} {{$.secret}}{{end}}"),
			undeclared: []string{"secret"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := template.Publish(ctx, db, tt.d)
			var ve *template.VariableError
			if !errors.As(err, &ve) {
				t.Fatalf("publish: err = %v; want a *VariableError", err)
			}
			if !errors.Is(err, template.ErrInvalid) {
				t.Errorf("publish: err = %v does not wrap ErrInvalid", err)
			}
			if strings.Join(ve.Missing, ",") != strings.Join(tt.missing, ",") ||
				strings.Join(ve.Undeclared, ",") != strings.Join(tt.undeclared, ",") {
				t.Errorf("error = %+v; want missing %v undeclared %v", ve, tt.missing, tt.undeclared)
			}
			for _, name := range append(tt.missing, tt.undeclared...) {
				if !strings.Contains(err.Error(), name) {
					t.Errorf("error %q does not name %q", err, name)
				}
			}
		})
	}
	if _, err := template.Current(ctx, db, checkinKey); !errors.Is(err, template.ErrNotFound) {
		t.Errorf("a rejected draft became current: %v", err)
	}
}

func TestPublishRejectsMissingNestedKey(t *testing.T) {
	t.Parallel()
	d := draft(checkinKey, "Meet at {{.trip.meeting_point}}")
	d.SampleData["trip"] = map[string]any{"name": "Canyon"}
	_, err := template.Publish(context.Background(), newDB(t), d)
	if err == nil || !strings.Contains(err.Error(), "meeting_point") {
		t.Errorf("publish with nested key missing from sample: err = %v; want one naming meeting_point", err)
	}
	if !errors.Is(err, template.ErrInvalid) {
		t.Errorf("publish with nested key missing from sample: err = %v does not wrap ErrInvalid", err)
	}
}

func TestPublishRejectsBadKeyAsInvalid(t *testing.T) {
	t.Parallel()
	d := draft(checkinKey, "Hi {{.guest_name}}")
	d.Channel = "pigeon"
	_, err := template.Publish(context.Background(), newDB(t), d)
	if !errors.Is(err, template.ErrInvalid) {
		t.Errorf("publish on an unknown channel: err = %v; want ErrInvalid", err)
	}
	var ve *template.VariableError
	if errors.As(err, &ve) {
		t.Errorf("publish on an unknown channel: err = %v is a *VariableError", err)
	}
}

func TestRenderMissingVariable(t *testing.T) {
	t.Parallel()
	v := mustPublish(t, newDB(t), draft(checkinKey, "Hi {{.guest_name}}, {{.trip}}"))
	_, err := v.Render(map[string]any{"guest_name": "Ada"})
	var ve *template.VariableError
	if !errors.As(err, &ve) || len(ve.Missing) != 1 || ve.Missing[0] != "trip" || !strings.Contains(err.Error(), "trip") {
		t.Errorf("render without trip: err = %v; want a VariableError naming trip", err)
	}
}

func TestHTMLEscaping(t *testing.T) {
	t.Parallel()
	k := template.Key{Name: "booking-confirmation", Channel: provider.Email, Locale: "en"}
	d := draft(k, "Hi {{.guest_name}}")
	d.HTML = `<p>Hi {{.guest_name}}</p><a href="/trips/{{.trip}}">trip</a>`
	v := mustPublish(t, newDB(t), d)
	r := render(t, v, map[string]any{"guest_name": `<script>alert("x")</script>`, "trip": `a b"&c`})
	if strings.Contains(r.HTML, "<script>") || !strings.Contains(r.HTML, "&lt;script&gt;") {
		t.Errorf("HTML = %q; want the name escaped", r.HTML)
	}
	if !strings.Contains(r.HTML, `href="/trips/a%20b%22&amp;c"`) {
		t.Errorf("HTML = %q; want the URL part escaped for its context", r.HTML)
	}
	if r.Body != `Hi <script>alert("x")</script>` {
		t.Errorf("plain body = %q; want the text unescaped (it is not HTML)", r.Body)
	}

	sms := draft(checkinKey, "x {{.guest_name}}")
	sms.HTML = "<p>no</p>"
	if _, err := template.Publish(context.Background(), newDB(t), sms); err == nil {
		t.Error("publish of an HTML part for SMS succeeded; want an error")
	}
}

func TestConcurrentPublishes(t *testing.T) {
	t.Parallel()
	db := newDB(t)
	const n = 8
	versions := make([]int, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			v, err := template.Publish(context.Background(), db, draft(checkinKey, "Hi {{.guest_name}}"))
			versions[i], errs[i] = v.Version, err
		})
	}
	wg.Wait()
	seen := map[int]bool{}
	for i, v := range versions {
		if errs[i] != nil {
			t.Fatalf("publish %d: %v", i, errs[i])
		}
		seen[v] = true
	}
	for v := 1; v <= n; v++ {
		if !seen[v] {
			t.Errorf("versions = %v; want each of 1..%d exactly once", versions, n)
			break
		}
	}
}

func TestPublishJoinsCallerTransaction(t *testing.T) {
	t.Parallel()
	ctx, db := context.Background(), newDB(t)
	tx, err := db.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	mustPublish(t, tx, draft(checkinKey, "Hi {{.guest_name}}"))
	if err := tx.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := template.Current(ctx, db, checkinKey); !errors.Is(err, template.ErrNotFound) {
		t.Errorf("publish survived the caller's rollback: %v", err)
	}
}

func TestResolveLocaleFallback(t *testing.T) {
	t.Parallel()
	ctx, db := context.Background(), newDB(t)
	for _, loc := range []string{"en", "fr"} {
		k := checkinKey
		k.Locale = loc
		mustPublish(t, db, draft(k, loc+" {{.guest_name}}"))
	}
	tests := []struct{ ask, want string }{
		{"fr-CA", "fr"},
		{"fr", "fr"},
		{"de-AT", "en"},
		{"en-GB", "en"},
	}
	for _, tt := range tests {
		k := checkinKey
		k.Locale = tt.ask
		v, err := template.Resolve(ctx, db, k)
		if err != nil || v.Locale != tt.want {
			t.Errorf("Resolve(%s) = %q, %v; want %q", tt.ask, v.Locale, err, tt.want)
		}
	}
	if got := strings.Join(template.FallbackChain("fr-CA"), ","); got != "fr-CA,fr,en" {
		t.Errorf("FallbackChain(fr-CA) = %s", got)
	}
}
