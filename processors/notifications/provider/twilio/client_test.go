package twilio_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/novatrek/support/internal/dev/fakes/providerfake"
	"github.com/novatrek/support/processors/notifications/provider"
	"github.com/novatrek/support/processors/notifications/provider/twilio"
)

type env struct {
	fake   *providerfake.Twilio
	client *twilio.Client
	logs   *bytes.Buffer
	url    string
}

func setup(t *testing.T, fcfg providerfake.TwilioConfig, mod func(*twilio.Config)) env {
	t.Helper()
	fake := providerfake.NewTwilio(fcfg)
	srv := httptest.NewServer(fake)
	t.Cleanup(func() { fake.Heal(); srv.Close(); fake.Close() })
	logs := &bytes.Buffer{}
	cfg := twilio.Config{
		BaseURL: srv.URL, AccountSID: fake.AccountSID(), AuthToken: provider.NewSecret(fake.AuthToken()),
		From: "+15005550006", Timeout: 2 * time.Second,
		Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
	if mod != nil {
		mod(&cfg)
	}
	c, err := twilio.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return env{fake: fake, client: c, logs: logs, url: srv.URL}
}

func sms(id, to string) provider.Message {
	return provider.Message{ID: id, To: to, Body: "Your shuttle leaves at 07:30 from gate B."}
}

func TestSendAccepted(t *testing.T) {
	t.Parallel()
	e := setup(t, providerfake.TwilioConfig{}, func(c *twilio.Config) {
		c.StatusCallback = "https://api.novatrek.example/v1/webhooks/twilio?env=dev"
	})
	res, err := e.client.Send(context.Background(), sms("m-1", "+14155550100"))
	if err != nil {
		t.Fatal(err)
	}
	if res.Provider != "twilio" || !strings.HasPrefix(res.ID, "SM") || len(res.ID) != 34 || res.Status != "queued" {
		t.Fatalf("result %+v", res)
	}
	got, ok := e.fake.SMS(res.ID)
	if !ok || got.To != "+14155550100" || got.From != "+15005550006" || got.Body != "Your shuttle leaves at 07:30 from gate B." {
		t.Fatalf("fake received %+v", got)
	}
	cb, err := url.Parse(got.StatusCallback)
	if err != nil || cb.Query().Get(twilio.RefParam) != "m-1" || cb.Query().Get("env") != "dev" || cb.Host != "api.novatrek.example" {
		t.Fatalf("status callback %q", got.StatusCallback)
	}
	if e.fake.AcceptedRef("m-1") != 1 || e.fake.AcceptedFor("+14155550100") != 1 {
		t.Fatal("fake did not record exactly one delivery")
	}
	if e.client.Name() != "twilio" || e.client.Channel() != provider.SMS {
		t.Fatal("name or channel wrong")
	}
}

func TestSendWithMessagingServiceAndAPIKey(t *testing.T) {
	t.Parallel()
	e := setup(t, providerfake.TwilioConfig{APIKeySID: "SK123", APIKeySecret: "key-secret-value"}, func(c *twilio.Config) {
		c.APIKeySID, c.AuthToken = "SK123", provider.NewSecret("key-secret-value")
		c.From, c.MessagingServiceSID = "", "MG0123"
	})
	res, err := e.client.Send(context.Background(), sms("m-2", "+14155550101"))
	if err != nil {
		t.Fatal(err)
	}
	got, _ := e.fake.SMS(res.ID)
	if res.Status != "accepted" || got.MessagingServiceSID != "MG0123" || got.From != "" || got.StatusCallback != "" {
		t.Fatalf("result %+v, fake %+v", res, got)
	}
}

func TestSendFailureClasses(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name      string
		arm       func(*providerfake.Twilio)
		to        string
		permanent bool
		after     time.Duration
		maxAfter  time.Duration
		unknown   bool
		code      string
	}{
		{name: "outage 503", arm: func(f *providerfake.Twilio) { f.StartOutage(503) }, code: "20503"},
		{name: "next call 500", arm: func(f *providerfake.Twilio) { f.FailNext(1, 500) }, code: "20500"},
		{name: "429 seconds", arm: func(f *providerfake.Twilio) { f.RateLimitNext(1, time.Second) },
			after: time.Second, maxAfter: time.Second, code: "20429"},
		{name: "429 http-date", arm: func(f *providerfake.Twilio) {
			f.SetRetryAfterFormat(providerfake.RetryAfterDate)
			f.RateLimitNext(1, 2*time.Second)
		}, after: time.Second, maxAfter: 3 * time.Second, code: "20429"},
		{name: "429 without Retry-After", arm: func(f *providerfake.Twilio) {
			f.SetRetryAfterFormat(providerfake.RetryAfterNone)
			f.RateLimitNext(1, time.Second)
		}, code: "20429"},
		{name: "unsubscribed recipient", to: "+14155550199", arm: func(f *providerfake.Twilio) { f.Reject("+14155550199") },
			permanent: true, code: "21610"},
		{name: "hang until timeout", arm: func(f *providerfake.Twilio) { f.Hang(true) }, unknown: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := setup(t, providerfake.TwilioConfig{}, func(c *twilio.Config) { c.Timeout = 200 * time.Millisecond })
			tc.arm(e.fake)
			to := tc.to
			if to == "" {
				to = "+14155550100"
			}
			_, err := e.client.Send(context.Background(), sms("m", to))
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
			if (tc.after == 0 && after != 0) || (tc.after > 0 && (after < tc.after || after > tc.maxAfter)) {
				t.Fatalf("after = %v, want [%v, %v]", after, tc.after, tc.maxAfter)
			}
			if errors.Is(err, provider.ErrOutcomeUnknown) != tc.unknown {
				t.Fatalf("outcome unknown = %v: %v", !tc.unknown, err)
			}
			if tc.code != "" {
				if perr, ok := provider.ProviderError(err); !ok || perr.Code != tc.code {
					t.Fatalf("provider error %+v, want code %s", perr, tc.code)
				}
			}
			if e.fake.AcceptedTotal() != 0 {
				t.Fatal("a failed send was accepted")
			}
		})
	}
}

func TestInvalidMessagesAreRefusedWithoutACall(t *testing.T) {
	t.Parallel()
	e := setup(t, providerfake.TwilioConfig{}, nil)
	for name, m := range map[string]provider.Message{
		"no id":      {To: "+14155550100", Body: "x"},
		"not e164":   {ID: "x", To: "415-555-0100", Body: "x"},
		"blank body": {ID: "x", To: "+14155550100", Body: "  "},
	} {
		if _, err := e.client.Send(context.Background(), m); !provider.IsPermanent(err) {
			t.Errorf("%s: err = %v, want permanent", name, err)
		}
	}
	if e.fake.CallCount() != 0 {
		t.Fatal("invalid messages reached the provider")
	}
}

func TestProviderSideValidationIsPermanent(t *testing.T) {
	t.Parallel()
	e := setup(t, providerfake.TwilioConfig{}, nil)
	m := sms("m-long", "+14155550100")
	m.Body = strings.Repeat("x", 1601)
	_, err := e.client.Send(context.Background(), m)
	perr, ok := provider.ProviderError(err)
	if !provider.IsPermanent(err) || !ok || perr.Code != "21617" || perr.StatusCode != 400 {
		t.Fatalf("err = %v", err)
	}
}

func TestWrongTokenIsRetryableAndRedacted(t *testing.T) {
	t.Parallel()
	const wrong = "wrong-token-0123456789"
	e := setup(t, providerfake.TwilioConfig{}, func(c *twilio.Config) { c.AuthToken = provider.NewSecret(wrong) })
	e.fake.EchoCredentials(true)
	_, err := e.client.Send(context.Background(), sms("m", "+14155550100"))
	if !errors.Is(err, provider.ErrUnauthorized) {
		t.Fatalf("err = %v, want ErrUnauthorized", err)
	}
	if _, ok := provider.RetryAfter(err); !ok {
		t.Fatalf("401 should be retryable: %v", err)
	}
	if perr, _ := provider.ProviderError(err); perr == nil || perr.Code != "20003" {
		t.Fatalf("provider error %+v", perr)
	}
	for _, s := range []string{err.Error(), e.logs.String(), fmt.Sprintf("%+v %#v", e.client, e.client)} {
		if strings.Contains(s, wrong) {
			t.Fatalf("token leaked: %s", s)
		}
	}
	if !strings.Contains(err.Error(), "[REDACTED]") {
		t.Fatalf("the echoed token should show as [REDACTED]: %v", err)
	}
}

func TestConfigValidation(t *testing.T) {
	t.Parallel()
	good := twilio.Config{AccountSID: "AC123", AuthToken: provider.NewSecret("tok-tok-tok"), From: "+15005550006"}
	if _, err := twilio.New(good); err != nil {
		t.Fatalf("good config refused: %v", err)
	}
	for name, mod := range map[string]func(*twilio.Config){
		"no token":      func(c *twilio.Config) { c.AuthToken = provider.Secret{} },
		"bad sid":       func(c *twilio.Config) { c.AccountSID = "XX1" },
		"sid with path": func(c *twilio.Config) { c.AccountSID = "AC1/../x" },
		"no sender":     func(c *twilio.Config) { c.From = "" },
		"bad sender":    func(c *twilio.Config) { c.From = "5550006" },
		"bad callback":  func(c *twilio.Config) { c.StatusCallback = "/relative" },
		"bad base url":  func(c *twilio.Config) { c.BaseURL = "api.twilio.com" },
		"negative":      func(c *twilio.Config) { c.Timeout = -1 },
	} {
		cfg := good
		mod(&cfg)
		if _, err := twilio.New(cfg); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
