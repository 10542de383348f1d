package console_test

import (
	"fmt"
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/novatrek/support/internal/ops/console"
	"github.com/novatrek/support/internal/ops/deadletter/deadlettertest"
	"github.com/novatrek/support/internal/platform/stream/streamtest"
)

// TestOverviewTopicsAndBrowser: a running service with a dead letter is on the overview
// with its status and dead letters; a produced event appears decoded in the browser.
func TestOverviewTopicsAndBrowser(t *testing.T) {
	t.Parallel()
	r := newRig(t, "")
	ev := r.h.S.Valid(1)
	rec := r.h.Produce(&kgo.Record{Key: []byte(ev.Key), Value: r.h.Encode(ev)})[0]
	r.h.WaitApplied(ev.EventID)
	deadlettertest.Poison(t, r.h, 2)
	r.observe()

	group := r.h.S.Group
	body := r.mustGet("/", group, `<span class="tag">service</span>`, `href="/deadletters/`+group+`">1</a>`, "Outbox backlog")
	contains(t, "overview", body, `data-poll="/overview/rows"`, "/assets/uPlot.iife.min.js")
	r.mustGet("/overview/rows", `data-group="`+group+`"`)
	r.mustGet("/topics", "novatrek.", "Producers")

	page := r.mustGet(fmt.Sprintf("/topics/%s?partition=%d&from=start", r.h.S.Input, rec.Partition),
		fmt.Sprintf("%d:%d", rec.Partition, rec.Offset), ev.EventID, "schema id", "traceparent=")
	if strings.Contains(page, "Not decoded") {
		t.Errorf("a well-formed event was not decoded:\n%s", excerpt(page))
	}
	r.mustGet(fmt.Sprintf("/topics/%s?partition=%d&from=start&key=%s", r.h.S.Input, rec.Partition, url.QueryEscape("no-such-key")), "No record in this range.")

	byField := fmt.Sprintf("/topics/%s?partition=%d&from=start&match=", r.h.S.Input, rec.Partition)
	r.mustGet(byField+url.QueryEscape("metadata.event_id="+ev.EventID), ev.EventID)
	r.mustGet(byField+url.QueryEscape("metadata.event_id=not-this-one"), "No record in this range.")
	r.mustGet(fmt.Sprintf("/topics/%s?partition=%d&from=start&until=-1h", r.h.S.Input, rec.Partition), "No record in this range.", "Stopped at the first record after -1h")

	for path, want := range map[string]string{
		"/topics/" + r.h.S.Input + "?match=status":        "match",
		"/topics/" + r.h.S.Input + "?until=soon":          "until",
		"/topics/" + r.h.S.Input + "?partition=99":        "partition 99",
		"/topics/" + r.h.S.Input + "?partition=x":         `partition &#34;x&#34;`,
		"/topics/" + r.h.S.Input + "?limit=100000":        "limit",
		"/topics/" + r.h.S.Input + "?from=yesterday-ish":  "from:",
		"/groups/" + group + "?target=sideways":           "target",
		"/groups/" + group + "?target=offset&value=-3":    "value",
		"/deadletters/" + group + "?kind=weird":           "kind",
		"/deadletters/" + group + "/x/1":                  "partition and offset",
		"/schemas/" + r.h.S.Input + "-value?version=9999": "version",
	} {
		code, body := r.get(path)
		if code != http.StatusBadRequest {
			t.Errorf("GET %s: %d, want 400", path, code)
		}
		contains(t, "GET "+path, body, want)
	}
	if code, _ := r.get("/groups/no-such-group"); code != http.StatusNotFound {
		t.Errorf("unknown group: %d, want 404", code)
	}
}

// TestGroupResetPreview: the dry run lists each partition's move, says nothing changed and
// that the live member blocks an execute, and gives the command.
func TestGroupResetPreview(t *testing.T) {
	t.Parallel()
	r := newRig(t, "")
	ev := r.h.S.Valid(1)
	r.h.Produce(&kgo.Record{Key: []byte(ev.Key), Value: r.h.Encode(ev)})
	r.h.WaitApplied(ev.EventID)
	r.observe()
	group := r.h.S.Group
	r.mustGet("/groups", group)
	r.mustGet("/groups/"+group, "Members and assignments", `data-chart=`, r.h.S.Input)
	page := r.mustGet("/groups/"+group+"?target=earliest",
		"Reset of "+group+" to the earliest offsets", "Dry run: nothing changed.",
		"novatrek groups reset "+group+" --to-earliest --execute", "live member", r.h.S.Input)
	if n := strings.Count(page, "<tr><td>"+r.h.S.Input+"</td>"); n != 3 {
		t.Errorf("the preview shows %d partitions of %s, want 3:\n%s", n, r.h.S.Input, excerpt(page))
	}
	r.mustGet("/groups/"+group+"?target=shift&value=-1", "shifted by -1")
}

// TestRedriveNeedsOperatorAndRecordsIt: a dead letter is listed and shown decoded; the dry
// run sends nothing; a write without a session or without the CSRF token is refused and
// sends nothing; the operator's re-drive sends it, the fixed handler applies it, and the
// audit trail names the operator.
func TestRedriveNeedsOperatorAndRecordsIt(t *testing.T) {
	t.Parallel()
	r := newRig(t, testToken)
	bad := r.h.S.Failing(1)
	deadlettertest.Poison(t, r.h, 1)
	group := r.h.S.Group
	list := r.mustGet("/deadletters/"+group, "1 dead letter(s)", "permanent", "0:0", "No re-drive of this group yet.")
	contains(t, "list", list, bad.EventID)
	r.mustGet("/deadletters/"+group+"/0/0", bad.EventID, "traceparent", "dlq.error")
	if code, _ := r.get("/deadletters/" + group + "/0/99"); code != http.StatusNotFound {
		t.Errorf("a dead letter past the end: %d, want 404", code)
	}
	r.mustGet("/deadletters/"+group+"/redrive?offsets=0:0", "Dry run: nothing sent.", "send", "Sign in with the operator token")

	form := url.Values{"positions": {"0:0"}, "note": {"fixed in test"}}
	if code, body := r.post("/deadletters/"+group+"/redrive", form); code != http.StatusUnauthorized {
		t.Errorf("re-drive without signing in: %d, want 401:\n%s", code, excerpt(body))
	}
	if code, _ := r.post("/signin", url.Values{"token": {"wrong"}, "name": {"mallory"}}); code != http.StatusUnauthorized {
		t.Errorf("sign in with a wrong token: %d, want 401", code)
	}
	csrf := r.signIn("alice")
	if code, body := r.post("/deadletters/"+group+"/redrive", form); code != http.StatusForbidden || !strings.Contains(body, "CSRF") {
		t.Errorf("re-drive without the CSRF token: %d, want 403 naming CSRF:\n%s", code, excerpt(body))
	}
	r.mustGet("/deadletters/"+group, "No re-drive of this group yet.") // refused writes recorded and sent nothing

	deadlettertest.Fix(t, r.h)
	form.Set("csrf", csrf)
	code, body := r.post("/deadletters/"+group+"/redrive", form)
	if code != http.StatusOK {
		t.Fatalf("re-drive: %d:\n%s", code, excerpt(body))
	}
	contains(t, "re-drive", body, "Done.", "sent at offset")
	r.h.WaitApplied(bad.EventID)
	r.mustGet("/deadletters/"+group, "alice (console)", "fixed in test", "sent")
	again := r.mustGet("/deadletters/"+group+"/redrive?offsets=0:0", "skip-redriven", "re-driven before by alice (console)")
	if strings.Contains(again, "for real") {
		t.Errorf("a dry run with nothing to send offers to execute:\n%s", excerpt(again))
	}
}

// TestReadOnlyConsoleRefusesWrites: without an operator token nobody can sign in or write.
func TestReadOnlyConsoleRefusesWrites(t *testing.T) {
	t.Parallel()
	r := newRig(t, "")
	r.mustGet("/", "Read-only (no operator token configured)")
	if code, body := r.post("/signin", url.Values{"token": {""}, "name": {"bob"}}); code != http.StatusUnauthorized || !strings.Contains(body, "read-only") {
		t.Errorf("sign in on a read-only console: %d:\n%s", code, excerpt(body))
	}
	if code, body := r.post("/deadletters/"+r.h.S.Group+"/redrive", url.Values{"positions": {"0:0"}}); code != http.StatusForbidden || !strings.Contains(body, "read-only") {
		t.Errorf("re-drive on a read-only console: %d, want 403 saying read-only:\n%s", code, excerpt(body))
	}
}

// TestSchemaPages: subjects, a version, a diff and the registry's compatibility check.
func TestSchemaPages(t *testing.T) {
	t.Parallel()
	r := newRig(t, "")
	r.h.Encode(r.h.S.Valid(1)) // registers the input's schema, as a producer does
	subject := r.h.S.Input + "-value"
	r.mustGet("/schemas", subject)
	page := r.mustGet("/schemas/"+subject, "Version 1", `&#34;type&#34;: &#34;record&#34;`, "BACKWARD_TRANSITIVE (global)")
	r.mustGet("/schemas/"+subject+"?version=1&diff=1", "Diff from version 1 to 1")
	schema := between(t, page, `<pre class="schema">`, `</pre>`)
	if code, body := r.post("/schemas/"+subject+"/check", url.Values{"schema": {html.UnescapeString(schema)}}); code != http.StatusOK || !strings.Contains(body, "Compatible with the latest version") {
		t.Errorf("checking the subject's own schema: %d:\n%s", code, excerpt(body))
	}
	incompatible := `{"type":"record","name":"X","fields":[{"name":"n","type":"int"}]}`
	if code, body := r.post("/schemas/"+subject+"/check", url.Values{"schema": {incompatible}}); code != http.StatusOK || !strings.Contains(body, "Not compatible") {
		t.Errorf("checking an incompatible schema: %d:\n%s", code, excerpt(body))
	}
	if code, body := r.post("/schemas/"+subject+"/check", url.Values{}); code != http.StatusBadRequest || !strings.Contains(body, "schema:") {
		t.Errorf("checking nothing: %d, want 400 naming the field:\n%s", code, excerpt(body))
	}
}

// between is the text of body between the first start and the next end.
func between(t *testing.T, body, start, end string) string {
	t.Helper()
	_, rest, ok := strings.Cut(body, start)
	text, _, ok2 := strings.Cut(rest, end)
	if !ok || !ok2 {
		t.Fatalf("the page has no %s…%s:\n%s", start, end, excerpt(body))
	}
	return text
}

// TestMountedUnderPrefix: mounted at /console (as the dev stack does), links, assets and
// forms carry the prefix, and nothing answers outside it.
func TestMountedUnderPrefix(t *testing.T) {
	t.Parallel()
	r := newRig(t, testToken, func(c *console.Config, _ *streamtest.Harness) { c.Prefix = "/console" })
	r.observe()
	r.mustGet("/console/", `href="/console/topics"`, `src="/console/assets/uPlot.iife.min.js"`, `action="/console/signin"`)
	r.mustGet("/console/assets/console.js", "drawSparks")
	r.mustGet("/console/groups", r.h.S.Group)
	if code, _ := r.get("/groups"); code != http.StatusNotFound {
		t.Errorf("GET /groups outside the prefix: %d, want 404", code)
	}
}

// TestConfigIsChecked: a console missing a required part is refused, naming it.
func TestConfigIsChecked(t *testing.T) {
	t.Parallel()
	if _, err := console.New(console.Config{}); err == nil || !strings.Contains(err.Error(), "KafkaOpts") {
		t.Errorf("an empty config: %v, want an error naming KafkaOpts", err)
	}
}
