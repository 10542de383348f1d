package notifications

import (
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/novatrek/support/internal/platform/apiauth"
	"github.com/novatrek/support/internal/platform/problem"
	"github.com/novatrek/support/processors/notifications/intake"
	"github.com/novatrek/support/processors/notifications/provider"
	"github.com/novatrek/support/processors/notifications/provider/inapp"
	"github.com/novatrek/support/processors/notifications/provider/sendgrid"
	"github.com/novatrek/support/processors/notifications/provider/twilio"
)

// Callers of the API. svc-analytics reads the notification log (Data Ownership table);
// notifications-ops is the owning team (templates, support look-ups, staff contacts);
// guest-app is the guest and staff apps' backend (inbox, preferences, device tokens). The
// domains that own people write their contacts: svc-guest-profiles guests (besides
// guest.registered), svc-scheduling-orchestrator guides, svc-trail-management park rangers,
// svc-emergency-response rescue teams, svc-partner-integrations partners (contactWriters).
const (
	CallerAnalytics     = "svc-analytics"
	CallerOps           = "notifications-ops"
	CallerApp           = "guest-app"
	CallerGuestProfiles = "svc-guest-profiles"
	CallerScheduling    = "svc-scheduling-orchestrator"
	CallerTrails        = "svc-trail-management"
	CallerEmergency     = "svc-emergency-response"
	CallerPartners      = "svc-partner-integrations"
)

// Permissions of the API.
const (
	permRead        = "notifications:read"
	permInbox       = "inbox:read"
	permTemplates   = "templates:manage"
	permPreferences = "preferences:manage"
	permContacts    = "contacts:manage"
	permDevices     = "devices:manage"
)

// Policy is the authorization table. contacts:manage is further narrowed per recipient
// type by contactWriters.
var Policy = apiauth.Policy{
	permRead:        {CallerAnalytics, CallerOps},
	permInbox:       {CallerApp},
	permTemplates:   {CallerOps},
	permPreferences: {CallerApp, CallerOps},
	permContacts:    {CallerOps, CallerGuestProfiles, CallerScheduling, CallerTrails, CallerEmergency, CallerPartners},
	permDevices:     {CallerApp, CallerGuestProfiles, CallerOps},
}

// devCallers get dev tokens (dev-<caller>) when NOVATREK_API_TOKENS is unset.
var devCallers = []string{CallerAnalytics, CallerOps, CallerApp, CallerGuestProfiles, CallerScheduling,
	CallerTrails, CallerEmergency, CallerPartners}

// maxBody bounds a request body (template versions are the largest); the HTTP edge
// answers 413 beyond it.
const maxBody = 256 << 10

// MaxRequestBody implements service.BodyLimiter.
func (s *Service) MaxRequestBody() int64 { return maxBody }

type api struct {
	pool  *pgxpool.Pool
	auth  *apiauth.Authenticator
	inbox *inapp.Store
	sg    *sendgrid.Verifier
	tw    *twilio.CallbackVerifier
	// callbacks applies the webhooks' status updates.
	callbacks *callbacks
	log       *slog.Logger
}

type route struct {
	pattern string
	perm    string // "" for the webhooks, which the providers sign instead
	handler func(*api, http.ResponseWriter, *http.Request)
}

// routes are the endpoints; openapi.json documents the same list.
var routes = []route{
	{"GET /v1/notifications/{id}", permRead, (*api).handleGetNotification},
	{"GET /v1/recipients/{id}/inbox", permInbox, (*api).handleInbox},
	{"POST /v1/recipients/{id}/inbox/{msg}/read", permInbox, (*api).handleMarkRead},
	{"POST /v1/templates/{name}/versions", permTemplates, (*api).handlePublish},
	{"POST /v1/templates/{name}/rollback", permTemplates, (*api).handleRollback},
	{"GET /v1/recipients/{id}/preferences", permPreferences, (*api).handleGetPreferences},
	{"PUT /v1/recipients/{id}/preferences", permPreferences, (*api).handlePutPreferences},
	{"GET /v1/recipients/{id}/contact", permContacts, (*api).handleGetContact},
	{"PUT /v1/recipients/{id}/contact", permContacts, (*api).handlePutContact},
	{"DELETE /v1/recipients/{id}/contact", permContacts, (*api).handleDeleteContact},
	{"GET /v1/recipients/{id}/devices", permDevices, (*api).handleListDevices},
	{"PUT /v1/recipients/{id}/devices/{token}", permDevices, (*api).handlePutDevice},
	{"DELETE /v1/recipients/{id}/devices/{token}", permDevices, (*api).handleDeleteDevice},
	{"POST " + sendGridWebhookPath, "", (*api).handleSendGrid},
	{"POST /v1/webhooks/twilio", "", (*api).handleTwilio},
}

// newAPI builds the API; emit publishes the delivery status events of provider callbacks.
func newAPI(cfg Config, pool *pgxpool.Pool, prov Providers, emit *intake.Emitter, log *slog.Logger) (*api, error) {
	auth := cfg.Auth
	if auth == nil {
		var dev bool
		var err error
		if auth, dev, err = apiauth.FromEnv(devCallers...); err != nil {
			return nil, err
		}
		if dev {
			log.Warn("NOVATREK_API_TOKENS is unset: accepting the public dev tokens dev-<caller> (dev only)", "callers", devCallers)
		}
	}
	inbox, err := inapp.New(pool, Schema)
	if err != nil {
		return nil, err
	}
	sg, err := sendgrid.NewVerifier(sendgrid.VerifierConfig{PublicKey: prov.SendGridWebhookKey})
	if err != nil {
		return nil, err
	}
	tw, err := twilio.NewCallbackVerifier(twilio.CallbackVerifierConfig{AuthToken: provider.NewSecret(prov.TwilioAuthToken), PublicURL: prov.PublicURL})
	if err != nil {
		return nil, err
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	cb := &callbacks{pool: pool, emit: emit, log: log, now: now}
	return &api{pool: pool, auth: auth, inbox: inbox, sg: sg, tw: tw, callbacks: cb, log: log}, nil
}

// register mounts every route on mux: authentication (401) and authorization (403) first,
// except for the webhooks, which check the provider's signature (401) instead.
func (a *api) register(mux *http.ServeMux) {
	for _, rt := range routes {
		h := http.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { rt.handler(a, w, r) }))
		if rt.perm != "" {
			h = a.auth.Middleware(Policy.Require(rt.perm, h))
		}
		mux.Handle(rt.pattern, h)
	}
	mux.HandleFunc("GET /openapi.json", serveOpenAPI)
}

// registerWebhooks mounts only the provider webhooks on mux (the dev callback listener).
func (a *api) registerWebhooks(mux *http.ServeMux) {
	for _, rt := range routes {
		if rt.perm == "" {
			mux.Handle(rt.pattern, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { rt.handler(a, w, r) }))
		}
	}
}

// fail reports err: problems as they are, anything else as 500 (logged, never shown).
func (a *api) fail(w http.ResponseWriter, r *http.Request, err error) {
	var p *problem.Problem
	switch {
	case errors.As(err, &p):
		problem.Write(w, r, p)
	case r.Context().Err() != nil:
		problem.Write(w, r, problem.Unavailable("The request was cancelled."))
	default:
		a.log.ErrorContext(r.Context(), "notifications API request failed", "route", r.Pattern, "err", err)
		problem.Write(w, r, problem.Internal())
	}
}

// decode reads a JSON body into v, unknown fields refused; false after writing a 400.
func decode(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(r.Body) // bounded by the HTTP edge
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		problem.Write(w, r, problem.Validation("The body is not the expected JSON: "+err.Error()))
		return false
	}
	if _, err := dec.Token(); err != io.EOF {
		problem.Write(w, r, problem.Validation("The body holds more than one JSON value."))
		return false
	}
	return true
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func caller(r *http.Request) string {
	c, _ := apiauth.CallerFrom(r.Context())
	return c.Name
}
