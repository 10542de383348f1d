package console_test

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"testing"

	"github.com/novatrek/support/internal/ops/console"
	"github.com/novatrek/support/internal/platform/stream/streamtest"
	"github.com/novatrek/support/publish"
)

// TestPublishTestEvent: the form starts from a skeleton of the schema that publishes as it
// is; the event is then on the topic, decoded; a bad event is a 400 naming the field; without
// CSRF nothing is sent; a console without a publisher refuses.
func TestPublishTestEvent(t *testing.T) {
	t.Parallel()
	r := newRig(t, testToken)
	on := newRig(t, testToken, func(c *console.Config, h *streamtest.Harness) {
		pub, err := publish.New(h.Env.Client(t), h.Env.RegistryURL, publish.Producer("console-test"))
		if err != nil {
			t.Fatal(err)
		}
		c.Publisher = pub
	})
	topic := on.h.S.Input
	on.h.Encode(on.h.S.Valid(1)) // registers the topic's schema, as the dev stack does at start
	if code, body := r.get("/topics/" + topic + "/publish"); code != http.StatusForbidden {
		t.Errorf("publish form without a publisher: %d, want 403:\n%s", code, excerpt(body))
	}

	on.mustGet("/topics/"+topic+"/publish", "Sign in with the operator token to publish", "reservation_id")
	csrf := on.signIn("carol")
	form := on.mustGet("/topics/"+topic+"/publish", `name="event"`)
	m := regexp.MustCompile(`(?s)<textarea name="event"[^>]*>(.*?)</textarea>`).FindStringSubmatch(form)
	if m == nil {
		t.Fatalf("no event textarea:\n%s", excerpt(form))
	}
	skeleton := html.UnescapeString(m[1])

	if code, _ := on.post("/topics/"+topic+"/publish", url.Values{"event": {skeleton}}); code != http.StatusForbidden {
		t.Errorf("publish without CSRF: %d, want 403", code)
	}
	if code, body := on.post("/topics/"+topic+"/publish", url.Values{"csrf": {csrf}, "event": {`{"party_size": "four"}`}}); code != http.StatusBadRequest {
		t.Errorf("publish a bad event: %d, want 400:\n%s", code, excerpt(body))
	} else {
		contains(t, "bad event", body, "event: ")
	}
	code, body := on.post("/topics/"+topic+"/publish", url.Values{"csrf": {csrf}, "event": {skeleton}})
	if code != http.StatusOK {
		t.Fatalf("publish the skeleton: %d:\n%s", code, excerpt(body))
	}
	link := regexp.MustCompile(`href="(/topics/[^"]+)">see it decoded`).FindStringSubmatch(body)
	if link == nil {
		t.Fatalf("no link to the published event:\n%s", excerpt(body))
	}
	on.mustGet(html.UnescapeString(link[1]), "console-test", "schema id")
}
