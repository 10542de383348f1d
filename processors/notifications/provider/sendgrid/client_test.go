package sendgrid_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/novatrek/support/internal/dev/fakes/providerfake"
	"github.com/novatrek/support/processors/notifications/provider"
	"github.com/novatrek/support/processors/notifications/provider/sendgrid"
)

var apiKey = provider.NewSecret("SG.test-key-0123456789")

type env struct {
	fake   *providerfake.SendGrid
	client *sendgrid.Client
	logs   *bytes.Buffer
}

func setup(t *testing.T, fcfg providerfake.SendGridConfig, mod func(*sendgrid.Config)) env {
	t.Helper()
	if fcfg.APIKey == "" {
		fcfg.APIKey = apiKey.Reveal()
	}
	fake, err := providerfake.NewSendGrid(fcfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(fake)
	t.Cleanup(func() { fake.Heal(); srv.Close(); fake.Close() })
	logs := &bytes.Buffer{}
	cfg := sendgrid.Config{
		BaseURL: srv.URL, APIKey: apiKey, From: "trips@novatrek.example", FromName: "NovaTrek",
		Timeout: 2 * time.Second,
		Logger:  slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
	if mod != nil {
		mod(&cfg)
	}
	c, err := sendgrid.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return env{fake: fake, client: c, logs: logs}
}

func msg(id, to string) provider.Message {
	return provider.Message{
		ID: id, To: to, ToName: "Ada Guest", Subject: "Your booking is confirmed",
		Body: "See you on the trail.", HTML: "<p>See you on the trail.</p>",
		Data: map[string]string{"notification_id": "n-" + id},
	}
}

func TestSendAccepted(t *testing.T) {
	t.Parallel()
	e := setup(t, providerfake.SendGridConfig{}, func(c *sendgrid.Config) { c.ReplyTo = "help@novatrek.example" })
	res, err := e.client.Send(context.Background(), msg("m-1", "ada@example.com"))
	if err != nil {
		t.Fatal(err)
	}
	if res.Provider != "sendgrid" || res.ID == "" || res.Status != "accepted" || res.At.IsZero() {
		t.Fatalf("result %+v", res)
	}
	got, ok := e.fake.Email(res.ID)
	if !ok {
		t.Fatalf("fake has no message %s", res.ID)
	}
	if got.To != "ada@example.com" || got.From != "trips@novatrek.example" || got.Subject != "Your booking is confirmed" ||
		got.Text != "See you on the trail." || got.HTML != "<p>See you on the trail.</p>" {
		t.Fatalf("fake received %+v", got)
	}
	if got.CustomArgs[sendgrid.RefArg] != "m-1" || got.CustomArgs["notification_id"] != "n-m-1" {
		t.Fatalf("custom args %v", got.CustomArgs)
	}
	if e.fake.AcceptedRef("m-1") != 1 || e.fake.AcceptedFor("ada@example.com") != 1 || len(e.fake.Duplicates()) != 0 {
		t.Fatal("fake did not record exactly one delivery")
	}
	if e.client.Name() != "sendgrid" || e.client.Channel() != provider.Email {
		t.Fatal("name or channel wrong")
	}
}

func TestSendTextOnlyAndSandbox(t *testing.T) {
	t.Parallel()
	e := setup(t, providerfake.SendGridConfig{}, func(c *sendgrid.Config) { c.SandboxMode = true })
	m := msg("m-2", "bo@example.com")
	m.HTML = ""
	res, err := e.client.Send(context.Background(), m)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := e.fake.Email(res.ID)
	if !got.Sandbox || got.HTML != "" || got.Text == "" {
		t.Fatalf("fake received %+v", got)
	}
}

func TestSendFailureClasses(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name      string
		arm       func(*providerfake.SendGrid)
		to        string
		permanent bool
		after     time.Duration // checked when >0: minimum wait
		maxAfter  time.Duration
		unauth    bool
		unknown   bool
		code      string
	}{
		{name: "outage 503", arm: func(f *providerfake.SendGrid) { f.StartOutage(503) }},
		{name: "next call 500", arm: func(f *providerfake.SendGrid) { f.FailNext(1, 500) }},
		{name: "429 seconds", arm: func(f *providerfake.SendGrid) { f.RateLimitNext(1, 2*time.Second) },
			after: 2 * time.Second, maxAfter: 2 * time.Second},
		{name: "429 http-date", arm: func(f *providerfake.SendGrid) {
			f.SetRetryAfterFormat(providerfake.RetryAfterDate)
			f.RateLimitNext(1, 3*time.Second)
		}, after: time.Second, maxAfter: 4 * time.Second},
		{name: "429 X-RateLimit-Reset only", arm: func(f *providerfake.SendGrid) {
			f.SetRetryAfterFormat(providerfake.RetryAfterNone)
			f.RateLimitNext(1, 5*time.Second)
		}, after: 3 * time.Second, maxAfter: 6 * time.Second},
		{name: "rejected recipient", to: "gone@example.com", arm: func(f *providerfake.SendGrid) { f.Reject("gone@example.com") },
			permanent: true, code: "personalizations.0.to.0.email"},
		{name: "invalid address", to: "not-an-address", arm: func(*providerfake.SendGrid) {},
			permanent: true, code: "personalizations.0.to.0.email"},
		{name: "hang until timeout", arm: func(f *providerfake.SendGrid) { f.Hang(true) }, unknown: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := setup(t, providerfake.SendGridConfig{}, func(c *sendgrid.Config) { c.Timeout = 200 * time.Millisecond })
			tc.arm(e.fake)
			to := tc.to
			if to == "" {
				to = "ada@example.com"
			}
			_, err := e.client.Send(context.Background(), msg("m-"+tc.name, to))
			if err == nil {
				t.Fatal("expected an error")
			}
			if provider.IsPermanent(err) != tc.permanent {
				t.Fatalf("permanent = %v: %v", !tc.permanent, err)
			}
			after, retryable := provider.RetryAfter(err)
			if retryable == tc.permanent {
				t.Fatalf("retryable = %v: %v", retryable, err)
			}
			if tc.after > 0 && (after < tc.after || after > tc.maxAfter) {
				t.Fatalf("after = %v, want in [%v, %v]", after, tc.after, tc.maxAfter)
			}
			if tc.after == 0 && after != 0 {
				t.Fatalf("after = %v, want none", after)
			}
			if errors.Is(err, provider.ErrOutcomeUnknown) != tc.unknown {
				t.Fatalf("outcome unknown = %v: %v", !tc.unknown, err)
			}
			if tc.code != "" {
				if perr, ok := provider.ProviderError(err); !ok || perr.Code != tc.code || perr.StatusCode != 400 {
					t.Fatalf("provider error %+v", perr)
				}
			}
			if e.fake.AcceptedTotal() != 0 {
				t.Fatal("a failed send was accepted")
			}
		})
	}
}

func TestSendRecoversAfterOutage(t *testing.T) {
	t.Parallel()
	e := setup(t, providerfake.SendGridConfig{}, nil)
	e.fake.FailNext(2, 502)
	ctx := context.Background()
	for i := range 2 {
		if _, err := e.client.Send(ctx, msg("m-r", "ada@example.com")); err == nil {
			t.Fatalf("attempt %d: expected 502", i)
		}
	}
	if _, err := e.client.Send(ctx, msg("m-r", "ada@example.com")); err != nil {
		t.Fatalf("third attempt: %v", err)
	}
	if n := e.fake.CallCount(); n != 3 {
		t.Fatalf("fake saw %d calls, want 3", n)
	}
	if e.fake.AcceptedRef("m-r") != 1 {
		t.Fatal("want exactly one accepted delivery")
	}
}

func TestInvalidMessagesAreRefusedWithoutACall(t *testing.T) {
	t.Parallel()
	e := setup(t, providerfake.SendGridConfig{}, nil)
	for name, m := range map[string]provider.Message{
		"no id":      {To: "a@example.com", Body: "x"},
		"no address": {ID: "x", Body: "x"},
		"no body":    {ID: "x", To: "a@example.com"},
	} {
		if _, err := e.client.Send(context.Background(), m); !provider.IsPermanent(err) {
			t.Errorf("%s: err = %v, want permanent", name, err)
		}
	}
	if e.fake.CallCount() != 0 {
		t.Fatal("invalid messages reached the provider")
	}
}

func TestWrongKeyIsRetryableAndRedacted(t *testing.T) {
	t.Parallel()
	e := setup(t, providerfake.SendGridConfig{APIKey: "SG.the-right-key"}, nil)
	e.fake.EchoCredentials(true)
	_, err := e.client.Send(context.Background(), msg("m-k", "ada@example.com"))
	if !errors.Is(err, provider.ErrUnauthorized) {
		t.Fatalf("err = %v, want ErrUnauthorized", err)
	}
	if _, ok := provider.RetryAfter(err); !ok {
		t.Fatalf("401 should be retryable (our credential, not the message): %v", err)
	}
	calls := e.fake.Calls()
	if len(calls) != 1 || calls[0].Fault != providerfake.FaultUnauthorized {
		t.Fatalf("calls %+v", calls)
	}
	assertNoSecret(t, e, err)
	if !strings.Contains(err.Error(), "[REDACTED]") {
		t.Fatalf("the echoed key should show as [REDACTED]: %v", err)
	}
}

func assertNoSecret(t *testing.T, e env, err error) {
	t.Helper()
	for _, s := range []string{err.Error(), fmt.Sprintf("%+v", err), e.logs.String(), fmt.Sprintf("%+v %#v", e.client, e.client)} {
		if strings.Contains(s, apiKey.Reveal()) {
			t.Fatalf("API key leaked: %s", s)
		}
	}
}

func TestConfigValidation(t *testing.T) {
	t.Parallel()
	good := sendgrid.Config{APIKey: apiKey, From: "a@example.com"}
	if _, err := sendgrid.New(good); err != nil {
		t.Fatalf("default BaseURL refused: %v", err)
	}
	for name, mod := range map[string]func(*sendgrid.Config){
		"no key":          func(c *sendgrid.Config) { c.APIKey = provider.Secret{} },
		"bad from":        func(c *sendgrid.Config) { c.From = "nobody" },
		"bad reply-to":    func(c *sendgrid.Config) { c.ReplyTo = "x" },
		"bad url":         func(c *sendgrid.Config) { c.BaseURL = "ftp://x" },
		"creds in url":    func(c *sendgrid.Config) { c.BaseURL = "https://u:p@api.sendgrid.com" },
		"negative period": func(c *sendgrid.Config) { c.Timeout = -time.Second },
	} {
		cfg := good
		mod(&cfg)
		if _, err := sendgrid.New(cfg); err == nil {
			t.Errorf("%s: accepted", name)
		} else if strings.Contains(err.Error(), apiKey.Reveal()) {
			t.Errorf("%s: error leaks the key: %v", name, err)
		}
	}
}

// The client never follows a redirect: it could carry the key elsewhere.
func TestNoRedirects(t *testing.T) {
	t.Parallel()
	var hits int
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits++ }))
	t.Cleanup(other.Close)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL, http.StatusTemporaryRedirect)
	}))
	t.Cleanup(srv.Close)
	c, err := sendgrid.New(sendgrid.Config{BaseURL: srv.URL, APIKey: apiKey, From: "a@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Send(context.Background(), msg("m", "a@example.com"))
	if !provider.IsPermanent(err) || hits != 0 {
		t.Fatalf("err = %v, hits = %d", err, hits)
	}
}
