package notifications

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/novatrek/support/internal/dev/fakes"
	"github.com/novatrek/support/internal/platform/service"
	"github.com/novatrek/support/processors/notifications/provider"
	"github.com/novatrek/support/processors/notifications/provider/sendgrid"
)

// With NOTIFICATIONS_PUBLIC_URL set, the fakes provided for the Spec's clients (as dev, run
// and the tests provide them) include a SendGrid that posts its signed events to the
// service's own webhook route, and they verify with the key the service is given.
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

	env := map[string]string{"NOTIFICATIONS_PUBLIC_URL": hook.URL + "/"}
	set, err := fakes.Provide(t.Context(), []service.Definition{Spec}, func(k string) string { return env[k] }, nil,
		fakes.Options{DataDir: t.TempDir()}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = set.Stop(context.Background()) })
	prov := set.Getenv(func(k string) string { return env[k] })
	if verifier, err = sendgrid.NewVerifier(sendgrid.VerifierConfig{PublicKey: prov("NOTIFICATIONS_SENDGRID_WEBHOOK_KEY")}); err != nil {
		t.Fatal(err)
	}
	sg, err := sendgrid.New(sendgrid.Config{BaseURL: prov("NOTIFICATIONS_SENDGRID_URL"), APIKey: provider.NewSecret(prov("NOTIFICATIONS_SENDGRID_API_KEY")),
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
