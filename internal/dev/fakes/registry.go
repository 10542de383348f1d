package fakes

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/novatrek/support/internal/dev/fakes/fraudfake"
	"github.com/novatrek/support/internal/dev/fakes/nwsfake"
	"github.com/novatrek/support/internal/dev/fakes/providerfake"
	"github.com/novatrek/support/internal/dev/fakes/pspfake"
	"github.com/novatrek/support/internal/platform/service"
)

// Roles of the values a fake hands a client: Client.URLEnv gets RoleURL, Client.KeyEnv
// RoleKey, and Client.Env maps the others to variables.
const (
	RoleURL             = "url"
	RoleKey             = "key"
	RoleWebhookKey      = "webhook_key"
	RoleAccountSID      = "account_sid"
	RoleFrom            = "from"
	RoleCredentialsFile = "credentials_file"
)

// Options are what a fake may need to start.
type Options struct {
	// DataDir is where a fake writes files its clients read (the FCM service account); ""
	// is a fresh temporary directory, removed at Stop.
	DataDir string
	// Webhooks are the full URLs of our callbacks, by fake key ("sendgrid": where the fake
	// SendGrid posts its signed events).
	Webhooks map[string]string
	// StackURL is the base URL of a service the running dev stack serves (our services and
	// the stand-ins of other domains' services, each under /<name>/); nil outside dev, where
	// StandIn clients get the in-memory stand-ins and Service clients stay unset.
	StackURL func(service string) string
	// Storms turns on the weather fake's dev mode (nwsfake.Storms: a storm now and then
	// over these areas, with its CAP update and cancel); nil, as in tests: no alerts
	// unless a test sets them.
	Storms *nwsfake.Storms
}

// stack is one running fake (one listener); the three provider fakes share one.
type stack interface {
	// values are what the fake hands the client declaring key.
	values(key string) map[string]string
	stop(ctx context.Context) error
}

// fake is a registry entry: the stack serving a key, and what it is, for the warning.
type fake struct {
	stack, what string
}

// registry maps each key a service.Client or service.Setting may name in Fake to its stack.
var registry = map[string]fake{
	"psp":      {"psp", "payment provider (no real money)"},
	"fraud":    {"fraud", "fraud screening"},
	"sendgrid": {"providers", "SendGrid, Twilio and FCM (nothing reaches anyone)"},
	"twilio":   {"providers", "SendGrid, Twilio and FCM (nothing reaches anyone)"},
	"fcm":      {"providers", "SendGrid, Twilio and FCM (nothing reaches anyone)"},
	"s3":       {"s3", "S3 (versitygw, a real S3 server that verifies signatures)"},
	// Settings' fakes (service.Setting.Fake): files, not servers.
	"staff-directory": {"files", "staff directory (fake addresses)"},
	"nws":             {"nws", "weather provider shaped like the NWS API (made-up weather)"},
}

// starters start each stack.
var starters = map[string]func(Options) (stack, error){
	"psp": func(Options) (stack, error) {
		f := pspfake.New()
		return serve(f, f.Handler())
	},
	"fraud": func(Options) (stack, error) {
		f := fraudfake.New()
		return serve(f, f.Handler())
	},
	"providers": startProviders,
	"files":     startFiles,
	"nws": func(o Options) (stack, error) {
		f := nwsfake.New()
		f.SetStorms(o.Storms)
		return serve(f, f.Handler())
	},
	"s3": startS3,
}

// Keys lists the registered fake keys, sorted.
func Keys() []string {
	keys := make([]string, 0, len(registry))
	for k := range registry {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// handlerStack is a fake that is one http.Handler on its own loopback port: its values are
// its URL. fake is the fake's server, for a test's assertions and failure injection.
type handlerStack struct {
	srv  *service.HTTPServer
	fake any
}

func serve(fake any, h http.Handler) (stack, error) {
	srv, err := service.ListenHTTP("127.0.0.1:0", h)
	if err != nil {
		return nil, err
	}
	return handlerStack{srv, fake}, nil
}

func (h handlerStack) values(string) map[string]string {
	return map[string]string{RoleURL: "http://" + h.srv.Addr()}
}
func (h handlerStack) stop(ctx context.Context) error { return h.srv.Shutdown(ctx) }

// providers is providerfake's stack: SendGrid (its events posted to the sendgrid webhook),
// Twilio and FCM, whose service-account file names the fake's own token endpoint, so the
// service takes its real OAuth path.
type providers struct {
	srv       *providerfake.Server
	credsFile string
	tmp       string // removed at stop; "" with Options.DataDir
}

func startProviders(o Options) (stack, error) {
	var cfg providerfake.StackConfig
	if hook := o.Webhooks["sendgrid"]; hook != "" {
		cfg.SendGrid.EventWebhookURL, cfg.SendGrid.AutoEvents = hook, true
	}
	srv, err := providerfake.Listen("127.0.0.1:0", cfg)
	if err != nil {
		return nil, err
	}
	p := &providers{srv: srv}
	dir := o.DataDir
	if dir == "" {
		if dir, err = os.MkdirTemp("", "novatrek-fakes-"); err != nil {
			_ = srv.Close(context.Background())
			return nil, err
		}
		p.tmp = dir
	}
	p.credsFile = filepath.Join(dir, "fake-fcm-service-account.json")
	if err := os.WriteFile(p.credsFile, srv.FCM.ServiceAccountJSON(srv.BaseURLs().FCMToken), 0o600); err != nil {
		_ = p.stop(context.Background())
		return nil, fmt.Errorf("write the fake FCM service account: %w", err)
	}
	return p, nil
}

func (p *providers) values(key string) map[string]string {
	u := p.srv.BaseURLs()
	switch key {
	case "sendgrid":
		return map[string]string{RoleURL: u.SendGrid, RoleKey: "fake-sendgrid-key", RoleWebhookKey: p.srv.SendGrid.PublicKey()}
	case "twilio":
		return map[string]string{RoleURL: u.Twilio, RoleKey: p.srv.Twilio.AuthToken(),
			RoleAccountSID: p.srv.Twilio.AccountSID(), RoleFrom: "+15005550006"}
	default: // fcm
		return map[string]string{RoleURL: u.FCM, RoleCredentialsFile: p.credsFile}
	}
}

func (p *providers) stop(ctx context.Context) error {
	err := p.srv.Close(ctx)
	if p.tmp != "" {
		_ = os.RemoveAll(p.tmp)
	}
	return err
}

// webhookURL joins a public base URL and a callback path.
func webhookURL(base, path string) string { return strings.TrimRight(base, "/") + path }

// Providers is the running provider fake (SendGrid, Twilio and FCM) for a test's
// assertions on what it accepted; nil when Provide started none.
func (s *Set) Providers() *providerfake.Server {
	if p, ok := s.stacks["providers"].(*providers); ok {
		return p.srv
	}
	return nil
}

// PSP is the running fake PSP, for a test's failure injection and assertions; nil when
// Provide started none.
func (s *Set) PSP() *pspfake.Server { return handlerFake[*pspfake.Server](s, "psp") }

// Fraud is the running fake fraud service, as PSP; nil when Provide started none.
func (s *Set) Fraud() *fraudfake.Server { return handlerFake[*fraudfake.Server](s, "fraud") }

// NWS is the running fake weather provider, as PSP; nil when Provide started none.
func (s *Set) NWS() *nwsfake.Server { return handlerFake[*nwsfake.Server](s, "nws") }

// handlerFake is the fake server of the handler stack named stack, or nil.
func handlerFake[F any](s *Set, stack string) F {
	h, _ := s.stacks[stack].(handlerStack)
	f, _ := h.fake.(F)
	return f
}
