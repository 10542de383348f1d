package notifications

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/novatrek/support/processors/notifications/provider"
	"github.com/novatrek/support/processors/notifications/provider/sendgrid"
)

// With PublicURL set, the dev fakes' SendGrid posts its signed events to the service's own
// webhook route, and they verify with the key the service was given.
func TestFakeSendGridPostsEventsToPublicURL(t *testing.T) {
	type delivery struct {
		path   string
		events []sendgrid.Event
		err    error
	}
	got := make(chan delivery, 16)
	var verifier *sendgrid.Verifier
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		evs, err := verifier.Verify(r)
		got <- delivery{path: r.URL.Path, events: evs, err: err}
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(hook.Close)

	prov, stop, err := resolveProviders(Config{PublicURL: hook.URL + "/"}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	if verifier, err = sendgrid.NewVerifier(sendgrid.VerifierConfig{PublicKey: prov.SendGridWebhookKey}); err != nil {
		t.Fatal(err)
	}
	sg, err := sendgrid.New(sendgrid.Config{BaseURL: prov.SendGridURL, APIKey: provider.NewSecret(prov.SendGridAPIKey),
		From: "trips@novatrek.example", Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	res, err := sg.Send(t.Context(), provider.Message{ID: "n-1", To: "guest@example.com", Subject: "Hi", Body: "Body"})
	if err != nil {
		t.Fatal(err)
	}
	select {
	case d := <-got:
		if d.path != sendGridWebhookPath {
			t.Errorf("events posted to %q, want %q", d.path, sendGridWebhookPath)
		}
		if d.err != nil {
			t.Fatalf("events do not verify with the service's key: %v", d.err)
		}
		if len(d.events) == 0 {
			t.Fatal("an empty event batch")
		}
		if !strings.HasPrefix(d.events[0].SGMessageID, res.ID) {
			t.Errorf("event about %q, want the message just sent (%q)", d.events[0].SGMessageID, res.ID)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the fake posted no events to PublicURL")
	}
}
