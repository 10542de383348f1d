package intake_test

import (
	"context"
	"strings"
	"testing"

	"github.com/novatrek/support/processors/notifications/intake"
	"github.com/novatrek/support/processors/notifications/provider"
	"github.com/novatrek/support/processors/notifications/template"
)

// TestTemplateRollbackAffectsOnlyNewNotifications is the issue's proof "template rollback
// changes what new notifications render, not old ones", through the intake on PostgreSQL:
// publish v2, handle event A, roll back to v1, handle event B. A's row keeps v2's body and
// version id; B's row renders v1.
func TestTemplateRollbackAffectsOnlyNewNotifications(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	ctx := context.Background()
	key := template.Key{Name: "waiver-copy", Channel: provider.Email, Locale: "en"}
	v1, err := template.Current(ctx, r.Pool, key)
	if err != nil {
		t.Fatal(err)
	}
	v2, err := template.Publish(ctx, r.Pool, template.Draft{Key: key, Subject: "Your waiver (v2)",
		Body: "V2: your signed waiver for {{.reference_id}}.", Variables: []string{"reference_id"},
		SampleData: map[string]any{"reference_id": "r-1"}, PublishedBy: "rollback-test"})
	if err != nil {
		t.Fatal(err)
	}
	if v2.Version != v1.Version+1 {
		t.Fatalf("published version %d after %d", v2.Version, v1.Version)
	}
	a := request("rollback-a", "WAIVER_COPY", "NORMAL", guest(id("rollback-guest")))
	r.produce(in(intake.RequestTopic, "k", a))
	r.WaitApplied(a.Metadata.EventID)

	if _, err := template.Rollback(ctx, r.Pool, key, v1.Version, "rollback-test"); err != nil {
		t.Fatal(err)
	}
	b := request("rollback-b", "WAIVER_COPY", "NORMAL", guest(id("rollback-guest")))
	r.produce(in(intake.RequestTopic, "k", b))
	r.WaitApplied(b.Metadata.EventID)

	one := func(ev string) row {
		t.Helper()
		rows := r.rows(ev)
		if len(rows) != 1 {
			t.Fatalf("%d rows for %s, want 1 (email)", len(rows), ev)
		}
		return rows[0]
	}
	ra, rb := one(a.Metadata.EventID), one(b.Metadata.EventID) // A is read after the rollback
	if ra.TemplateVersion == nil || *ra.TemplateVersion != v2.ID || ra.Body != "V2: your signed waiver for "+a.ReferenceID+"." {
		t.Errorf("A (before the rollback): version %v body %q; want v2 (id %d) and its body", ra.TemplateVersion, ra.Body, v2.ID)
	}
	if rb.TemplateVersion == nil || *rb.TemplateVersion != v1.ID || strings.HasPrefix(rb.Body, "V2:") ||
		!strings.Contains(rb.Body, b.ReferenceID) {
		t.Errorf("B (after the rollback): version %v body %q; want v1 (id %d) rendered", rb.TemplateVersion, rb.Body, v1.ID)
	}
}
