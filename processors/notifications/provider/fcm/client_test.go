package fcm_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/novatrek/support/internal/dev/fakes/providerfake"
	"github.com/novatrek/support/processors/notifications/provider"
	"github.com/novatrek/support/processors/notifications/provider/fcm"
)

type env struct {
	fake   *providerfake.FCM
	client *fcm.Client
	logs   *bytes.Buffer
	url    string
}

func setup(t *testing.T, fcfg providerfake.FCMConfig, mod func(*fcm.Config, string)) env {
	t.Helper()
	fake, err := providerfake.NewFCM(fcfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(fake)
	t.Cleanup(func() { fake.Heal(); srv.Close() })
	logs := &bytes.Buffer{}
	cfg := fcm.Config{
		BaseURL: srv.URL, ProjectID: fake.ProjectID(), Tokens: fcm.Static(provider.NewSecret(fake.AccessToken())),
		Timeout: 2 * time.Second,
		Logger:  slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
	if mod != nil {
		mod(&cfg, srv.URL)
	}
	c, err := fcm.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return env{fake: fake, client: c, logs: logs, url: srv.URL}
}

const device = "fGw0qy4TGgk:APA91bGtWGjuhp4WRhHXgbabIYp1jxEKI08ofj_v1bKhWAGJQ4e3arRCWzeTfHaLz83mBnDh0aPWB1AykXAVUUGl2h1wT4XI6XazWpvY7RBUSYfoxtqSWGIm2nvWh2BOP1YG501SsRoE"

func push(id string) provider.Message {
	return provider.Message{ID: id, To: device, Subject: "Trail closed", Body: "Ridge trail closed: rockfall.",
		Data: map[string]string{"trail_id": "t-9"}}
}

func TestSendAccepted(t *testing.T) {
	t.Parallel()
	e := setup(t, providerfake.FCMConfig{}, nil)
	m := push("m-1")
	m.Urgent = true
	res, err := e.client.Send(context.Background(), m)
	if err != nil {
		t.Fatal(err)
	}
	if res.Provider != "fcm" || !strings.HasPrefix(res.ID, "projects/novatrek-dev/messages/") || res.Status != "accepted" {
		t.Fatalf("result %+v", res)
	}
	got, ok := e.fake.Push(res.ID)
	if !ok || got.Token != device || got.Title != "Trail closed" || got.Body != "Ridge trail closed: rockfall." ||
		got.Data["trail_id"] != "t-9" || got.Data[fcm.RefKey] != "m-1" || !got.HighPriority || got.ValidateOnly {
		t.Fatalf("fake received %+v", got)
	}
	if e.fake.AcceptedRef("m-1") != 1 || e.fake.AcceptedFor(device) != 1 {
		t.Fatal("fake did not record exactly one delivery")
	}
	if e.client.Name() != "fcm" || e.client.Channel() != provider.Push {
		t.Fatal("name or channel wrong")
	}
}

func TestSendValidateOnlyAndNormalPriority(t *testing.T) {
	t.Parallel()
	e := setup(t, providerfake.FCMConfig{}, func(c *fcm.Config, _ string) { c.ValidateOnly = true })
	res, err := e.client.Send(context.Background(), push("m-2"))
	if err != nil {
		t.Fatal(err)
	}
	got, _ := e.fake.Push(res.ID)
	if !got.ValidateOnly || got.HighPriority {
		t.Fatalf("fake received %+v", got)
	}
}

func TestSendFailureClasses(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name      string
		arm       func(*providerfake.FCM)
		msg       func(provider.Message) provider.Message
		mod       func(*fcm.Config, string)
		permanent bool
		after     time.Duration
		unknown   bool
		unauth    bool
		code      string
		unreg     bool
	}{
		{name: "outage 503", arm: func(f *providerfake.FCM) { f.StartOutage(503) }, code: "UNAVAILABLE"},
		{name: "next call 500", arm: func(f *providerfake.FCM) { f.FailNext(1, 500) }, code: "INTERNAL"},
		{name: "429 quota", arm: func(f *providerfake.FCM) { f.RateLimitNext(1, 4*time.Second) }, after: 4 * time.Second, code: "QUOTA_EXCEEDED"},
		{name: "unregistered token", arm: func(f *providerfake.FCM) { f.Reject(device) }, permanent: true, code: "UNREGISTERED", unreg: true},
		{name: "reserved data key", msg: func(m provider.Message) provider.Message {
			m.Data = map[string]string{"google.x": "1"}
			return m
		}, permanent: true, code: "INVALID_ARGUMENT"},
		{name: "wrong project", mod: func(c *fcm.Config, _ string) { c.ProjectID = "someone-else" }, permanent: true, code: "SENDER_ID_MISMATCH"},
		{name: "bad token", mod: func(c *fcm.Config, _ string) { c.Tokens = fcm.Static(provider.NewSecret("ya29.wrong")) }, unauth: true, code: "UNAUTHENTICATED"},
		{name: "hang until timeout", arm: func(f *providerfake.FCM) { f.Hang(true) }, unknown: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := setup(t, providerfake.FCMConfig{}, func(c *fcm.Config, u string) {
				c.Timeout = 200 * time.Millisecond
				if tc.mod != nil {
					tc.mod(c, u)
				}
			})
			if tc.arm != nil {
				tc.arm(e.fake)
			}
			m := push("m")
			if tc.msg != nil {
				m = tc.msg(m)
			}
			_, err := e.client.Send(context.Background(), m)
			if err == nil {
				t.Fatal("expected an error")
			}
			if provider.IsPermanent(err) != tc.permanent {
				t.Fatalf("permanent = %v: %v", !tc.permanent, err)
			}
			after, retryable := provider.RetryAfter(err)
			if retryable == tc.permanent || after != tc.after {
				t.Fatalf("retryable = %v after %v: %v", retryable, after, err)
			}
			if errors.Is(err, provider.ErrOutcomeUnknown) != tc.unknown || errors.Is(err, provider.ErrUnauthorized) != tc.unauth {
				t.Fatalf("unknown/unauthorized wrong: %v", err)
			}
			if tc.code != "" {
				if perr, ok := provider.ProviderError(err); !ok || perr.Code != tc.code {
					t.Fatalf("provider error %+v, want %s", perr, tc.code)
				}
			}
			if fcm.Unregistered(err) != tc.unreg {
				t.Fatalf("Unregistered = %v", !tc.unreg)
			}
			if errors.Is(err, provider.ErrAddressGone) != tc.unreg {
				t.Fatalf("errors.Is(err, provider.ErrAddressGone) = %v; only UNREGISTERED means the token is gone", !tc.unreg)
			}
			if e.fake.AcceptedTotal() != 0 {
				t.Fatal("a failed send was accepted")
			}
		})
	}
}

func TestTokenIsRedacted(t *testing.T) {
	t.Parallel()
	const tok = "ya29.secret-access-token-0123"
	e := setup(t, providerfake.FCMConfig{}, func(c *fcm.Config, _ string) { c.Tokens = fcm.Static(provider.NewSecret(tok)) })
	e.fake.EchoCredentials(true)
	_, err := e.client.Send(context.Background(), push("m"))
	if err == nil {
		t.Fatal("expected 401")
	}
	for _, s := range []string{err.Error(), e.logs.String(), fmt.Sprintf("%+v %#v", e.client, e.client)} {
		if strings.Contains(s, tok) {
			t.Fatalf("token leaked: %s", s)
		}
	}
	if !strings.Contains(err.Error(), "[REDACTED]") {
		t.Fatalf("the echoed token should show as [REDACTED]: %v", err)
	}
}

func TestInvalidMessagesAreRefusedWithoutACall(t *testing.T) {
	t.Parallel()
	e := setup(t, providerfake.FCMConfig{}, nil)
	for name, m := range map[string]provider.Message{
		"no id":    {To: device, Body: "x"},
		"no token": {ID: "x", Body: "x"},
	} {
		if _, err := e.client.Send(context.Background(), m); !provider.IsPermanent(err) {
			t.Errorf("%s: err = %v, want permanent", name, err)
		}
	}
	if e.fake.CallCount() != 0 {
		t.Fatal("invalid messages reached the provider")
	}
}

func TestServiceAccountTokens(t *testing.T) {
	t.Parallel()
	// The fake accepts only tokens its endpoint issued; the service account is the
	// fake's own, its token_uri pointing at the fake.
	e := setup(t, providerfake.FCMConfig{AccessToken: "-"}, nil)
	sa, err := fcm.NewServiceAccountTokens(fcm.ServiceAccountConfig{CredentialsJSON: e.fake.ServiceAccountJSON(e.url + "/token")})
	if err != nil {
		t.Fatal(err)
	}
	client, err := fcm.New(fcm.Config{BaseURL: e.url, ProjectID: e.fake.ProjectID(), Tokens: sa})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for i := range 3 {
		if _, err := client.Send(ctx, push(fmt.Sprintf("m-%d", i))); err != nil {
			t.Fatalf("send %d: %v", i, err)
		}
	}
	if n := e.fake.IssuedTokens(); n != 1 {
		t.Fatalf("%d tokens issued for 3 sends, want 1 (cached)", n)
	}

	// A revoked token: the send fails retryably, the cache drops it, the next send
	// fetches a fresh one.
	e.fake.RevokeTokens()
	if _, err := client.Send(ctx, push("m-revoked")); !errors.Is(err, provider.ErrUnauthorized) {
		t.Fatalf("err = %v, want ErrUnauthorized", err)
	}
	if _, err := client.Send(ctx, push("m-after")); err != nil {
		t.Fatalf("send after refresh: %v", err)
	}
	if n := e.fake.IssuedTokens(); n != 1 {
		t.Fatalf("%d live tokens, want 1", n)
	}
	if e.fake.AcceptedTotal() != 4 {
		t.Fatalf("accepted %d, want 4", e.fake.AcceptedTotal())
	}
}

func TestServiceAccountWithForeignKeyIsRefused(t *testing.T) {
	t.Parallel()
	e := setup(t, providerfake.FCMConfig{AccessToken: "-"}, nil)
	var key map[string]string
	if err := json.Unmarshal(e.fake.ServiceAccountJSON(e.url+"/token"), &key); err != nil {
		t.Fatal(err)
	}
	other, _ := rsa.GenerateKey(rand.Reader, 2048)
	der, _ := x509.MarshalPKCS8PrivateKey(other)
	key["private_key"] = string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
	forged, _ := json.Marshal(key)
	sa, err := fcm.NewServiceAccountTokens(fcm.ServiceAccountConfig{CredentialsJSON: forged})
	if err != nil {
		t.Fatal(err)
	}
	client, _ := fcm.New(fcm.Config{BaseURL: e.url, ProjectID: e.fake.ProjectID(), Tokens: sa})
	_, err = client.Send(context.Background(), push("m"))
	if _, ok := provider.RetryAfter(err); !ok || !strings.Contains(err.Error(), "invalid_grant") {
		t.Fatalf("err = %v, want a retryable token failure", err)
	}
	if strings.Contains(err.Error(), "eyJ") {
		t.Fatalf("error quotes the signed assertion: %v", err)
	}
	if e.fake.CallCount() != 0 {
		t.Fatal("a send went out without a token")
	}
}

func TestServiceAccountKeyValidation(t *testing.T) {
	t.Parallel()
	for name, js := range map[string]string{
		"not json":     `{`,
		"wrong type":   `{"type":"authorized_user","client_email":"a","private_key":"x"}`,
		"no key":       `{"type":"service_account","client_email":"a"}`,
		"key not pem":  `{"type":"service_account","client_email":"a","private_key":"abc"}`,
		"bad tokenuri": `{"type":"service_account","client_email":"a","private_key":"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n","token_uri":"ftp://x"}`,
	} {
		if _, err := fcm.NewServiceAccountTokens(fcm.ServiceAccountConfig{CredentialsJSON: []byte(js)}); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestConfigValidation(t *testing.T) {
	t.Parallel()
	good := fcm.Config{ProjectID: "p", Tokens: fcm.Static(provider.NewSecret("t"))}
	if _, err := fcm.New(good); err != nil {
		t.Fatalf("good config refused: %v", err)
	}
	for name, mod := range map[string]func(*fcm.Config){
		"no project":     func(c *fcm.Config) { c.ProjectID = "" },
		"project path":   func(c *fcm.Config) { c.ProjectID = "a/b" },
		"no tokens":      func(c *fcm.Config) { c.Tokens = nil },
		"bad url":        func(c *fcm.Config) { c.BaseURL = "x" },
		"negative limit": func(c *fcm.Config) { c.Timeout = -1 },
	} {
		cfg := good
		mod(&cfg)
		if _, err := fcm.New(cfg); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
