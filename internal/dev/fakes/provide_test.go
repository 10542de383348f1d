package fakes_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/novatrek/support/internal/dev/fakes"
	"github.com/novatrek/support/internal/platform/service"
)

// spec is a definition declaring only clients: all Provide reads.
func spec(name string, clients ...service.Client) service.Definition {
	return &service.Spec[struct{}]{Name: name, Clients: clients}
}

var (
	psp   = service.Client{Name: "psp", URLEnv: "T_PSP_URL", KeyEnv: "T_PSP_KEY", Fake: "psp", RequireEnv: "T_REQUIRE"}
	fraud = service.Client{Name: "fraud", URLEnv: "T_FRAUD_URL", Fake: "fraud", RequireEnv: "T_REQUIRE"}
	sg    = service.Client{Name: "sendgrid", URLEnv: "T_SG_URL", KeyEnv: "T_SG_KEY", Fake: "sendgrid",
		Env: map[string]string{"webhook_key": "T_SG_WEBHOOK_KEY"}, Webhook: "/v1/webhooks/sendgrid", PublicURLEnv: "T_PUBLIC_URL"}
	twilio = service.Client{Name: "twilio", URLEnv: "T_TW_URL", KeyEnv: "T_TW_TOKEN", Fake: "twilio",
		Env: map[string]string{"account_sid": "T_TW_SID", "from": "T_TW_FROM"}, Webhook: "/v1/webhooks/twilio", PublicURLEnv: "T_PUBLIC_URL"}
	fcm = service.Client{Name: "fcm", URLEnv: "T_FCM_URL", Fake: "fcm", Optional: true,
		Env: map[string]string{"credentials_file": "T_FCM_CREDENTIALS_FILE"}}
)

func env(kv ...string) func(string) string {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return func(k string) string { return m[k] }
}

func provide(t *testing.T, defs []service.Definition, getenv func(string) string, baseURL func(string) string) *fakes.Set {
	t.Helper()
	set, err := fakes.Provide(context.Background(), defs, getenv, baseURL, fakes.Options{DataDir: t.TempDir()}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := set.Stop(context.Background()); err != nil {
			t.Error(err)
		}
	})
	return set
}

// TestProvideStartsTheFakesOfUnsetClients: unset URLs get a running fake, set ones are left
// alone, the three provider clients share one fake stack, the public URL comes from the
// service's base URL, and the FCM fake's service account names its own token endpoint.
func TestProvideStartsTheFakesOfUnsetClients(t *testing.T) {
	defs := []service.Definition{spec("svc-a", psp, fraud), spec("svc-b", sg, twilio, fcm)}
	set := provide(t, defs, env("T_FRAUD_URL", "http://fraud.example"),
		func(name string) string { return "http://127.0.0.1:1/" + name })

	if _, ok := set.Env["T_FRAUD_URL"]; ok {
		t.Errorf("T_FRAUD_URL was set, yet the overlay has it: %v", set.Env["T_FRAUD_URL"])
	}
	resp, err := http.Post(set.Env["T_PSP_URL"]+"/v1/payment_intents", "application/x-www-form-urlencoded", strings.NewReader("amount=100"))
	if err != nil {
		t.Fatalf("the fake PSP at T_PSP_URL does not answer: %v", err)
	}
	var stripe struct {
		Error *struct{ Type string } `json:"error"`
	}
	err = json.NewDecoder(resp.Body).Decode(&stripe)
	resp.Body.Close()
	if err != nil || stripe.Error == nil || resp.StatusCode < 400 {
		t.Errorf("fake PSP, a bare request: status %d, body error %v (%v); want its Stripe-shaped refusal", resp.StatusCode, stripe.Error, err)
	}
	if got := set.Env["T_PUBLIC_URL"]; got != "http://127.0.0.1:1/svc-b" {
		t.Errorf("T_PUBLIC_URL = %q, want the service's base URL", got)
	}
	sgURL, twURL, fcmURL := set.Env["T_SG_URL"], set.Env["T_TW_URL"], set.Env["T_FCM_URL"]
	root := strings.TrimSuffix(sgURL, "/sendgrid")
	if root == sgURL || twURL != root+"/twilio" || fcmURL != root+"/fcm" {
		t.Errorf("provider URLs %q, %q, %q are not one fake stack", sgURL, twURL, fcmURL)
	}
	for _, v := range []string{"T_SG_KEY", "T_SG_WEBHOOK_KEY", "T_TW_TOKEN", "T_TW_SID", "T_TW_FROM"} {
		if set.Env[v] == "" {
			t.Errorf("%s is not filled", v)
		}
	}
	raw, err := os.ReadFile(set.Env["T_FCM_CREDENTIALS_FILE"])
	if err != nil {
		t.Fatal(err)
	}
	var sa struct {
		TokenURI string `json:"token_uri"`
	}
	if err := json.Unmarshal(raw, &sa); err != nil || sa.TokenURI != fcmURL+"/token" {
		t.Errorf("service account token_uri = %q (%v), want the fake's %s/token", sa.TokenURI, err, fcmURL)
	}
	if got := set.Getenv(env("T_FRAUD_URL", "http://fraud.example"))("T_FRAUD_URL"); got != "http://fraud.example" {
		t.Errorf("Getenv(T_FRAUD_URL) = %q, want the variable as set", got)
	}
}

// TestProvideRefuses: a client whose RequireEnv is true, an unknown fake key and a
// malformed RequireEnv are errors naming the variables.
func TestProvideRefuses(t *testing.T) {
	for _, tc := range []struct {
		name   string
		client service.Client
		getenv func(string) string
		want   []string
	}{
		{"required", psp, env("T_REQUIRE", "true"), []string{"T_PSP_URL", "T_REQUIRE=true"}},
		{"malformed require", psp, env("T_REQUIRE", "yes please"), []string{"T_REQUIRE", "yes please"}},
		{"unknown fake", service.Client{Name: "x", URLEnv: "T_X_URL", Fake: "nope"}, env(), []string{"T_X_URL", `"nope"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := fakes.Provide(context.Background(), []service.Definition{spec("svc-a", tc.client)}, tc.getenv, nil,
				fakes.Options{DataDir: t.TempDir()}, slog.New(slog.DiscardHandler))
			if err == nil {
				t.Fatal("Provide succeeded")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not name %s", err, w)
				}
			}
		})
	}
}

// TestProvideLeavesCallbackClientsWithoutPublicURL: with no base URL and no public URL
// variable, a client whose fake calls back gets no fake (its service starts its own), and
// PAYMENTS-like clients still do.
func TestProvideLeavesCallbackClientsWithoutPublicURL(t *testing.T) {
	set := provide(t, []service.Definition{spec("svc-a", psp), spec("svc-b", sg)}, env(), nil)
	if set.Env["T_PSP_URL"] == "" {
		t.Error("T_PSP_URL not filled")
	}
	if v, ok := set.Env["T_SG_URL"]; ok {
		t.Errorf("T_SG_URL = %q without a public URL to call back on", v)
	}
}

// TestProvidePointsStandInClientsAtTheStandIn: where a stand-in already runs (the dev
// stack's, Options.StackURL), a client of another domain's service gets its URL and no
// in-memory stand-in starts; one whose URL is set is left alone.
func TestProvidePointsStandInClientsAtTheStandIn(t *testing.T) {
	gear := service.Client{Name: "gear", URLEnv: "T_GEAR_URL", StandIn: "svc-gear-inventory"}
	other := service.Client{Name: "other", URLEnv: "T_OTHER_URL", StandIn: "svc-reservations"}
	set, err := fakes.Provide(context.Background(), []service.Definition{spec("svc-c", gear, other)}, env("T_OTHER_URL", "http://reservations.example"), nil,
		fakes.Options{DataDir: t.TempDir(), StackURL: func(name string) string { return "http://127.0.0.1:1/" + name }}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = set.Stop(context.Background()) })
	if got := set.Env["T_GEAR_URL"]; got != "http://127.0.0.1:1/svc-gear-inventory" {
		t.Errorf("T_GEAR_URL = %q, want the running stand-in's base URL", got)
	}
	if got, ok := set.Env["T_OTHER_URL"]; ok {
		t.Errorf("T_OTHER_URL was set, yet the overlay has it: %q", got)
	}
	if set.StandIns() != nil {
		t.Error("the in-memory stand-ins started although the dev stack's answer")
	}
}

// TestProvidePointsOurServiceClientsAtTheStack: in dev, a client of another of our services
// gets that service's URL in the stack and the caller's dev token; outside dev (no
// StackURL) it stays unset, as Optional clients without a URL do.
func TestProvidePointsOurServiceClientsAtTheStack(t *testing.T) {
	pay := service.Client{Name: "payments", URLEnv: "T_PAY_URL", KeyEnv: "T_PAY_TOKEN", Service: "svc-payments", Optional: true}
	defs := []service.Definition{spec("svc-analytics", pay)}
	set, err := fakes.Provide(context.Background(), defs, env(), nil,
		fakes.Options{DataDir: t.TempDir(), StackURL: func(name string) string { return "http://127.0.0.1:1/" + name }}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = set.Stop(context.Background()) })
	if set.Env["T_PAY_URL"] != "http://127.0.0.1:1/svc-payments" || set.Env["T_PAY_TOKEN"] != "dev-svc-analytics" {
		t.Errorf("in dev: %v, want the stack's svc-payments and the caller's dev token", set.Env)
	}
	outside := provide(t, defs, env(), nil)
	if len(outside.Env) != 0 {
		t.Errorf("outside dev: %v, want nothing set", outside.Env)
	}
}
