package notifications

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/novatrek/support/internal/platform/apiauth"
	"github.com/novatrek/support/internal/platform/fault"
	"github.com/novatrek/support/internal/platform/httpedge"
	"github.com/novatrek/support/internal/platform/problem"
	"github.com/novatrek/support/internal/platform/service"
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

// Who may call what: the Data Ownership table. contacts:manage is further narrowed per
// recipient type by contactWriters.
var (
	read        = service.Perm("notifications:read", CallerAnalytics, CallerOps)
	inbox       = service.Perm("inbox:read", CallerApp)
	templates   = service.Perm("templates:manage", CallerOps)
	preferences = service.Perm("preferences:manage", CallerApp, CallerOps)
	contacts    = service.Perm("contacts:manage", CallerOps, CallerGuestProfiles, CallerScheduling, CallerTrails, CallerEmergency, CallerPartners)
	devices     = service.Perm("devices:manage", CallerApp, CallerGuestProfiles, CallerOps)
)

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

// routes are the endpoints with who may call each (the Data Ownership table); openapi.json
// documents the same list. The webhooks are Public: the providers sign them instead.
var routes = []service.Route[*api]{
	{Pattern: "GET /v1/notifications/{id}", Access: read, Handle: (*api).handleGetNotification},
	{Pattern: "GET /v1/recipients/{id}/inbox", Access: inbox, Handle: (*api).handleInbox},
	{Pattern: "POST /v1/recipients/{id}/inbox/{msg}/read", Access: inbox, Handle: (*api).handleMarkRead},
	{Pattern: "POST /v1/templates/{name}/versions", Access: templates, Handle: (*api).handlePublish},
	{Pattern: "POST /v1/templates/{name}/rollback", Access: templates, Handle: (*api).handleRollback},
	{Pattern: "GET /v1/recipients/{id}/preferences", Access: preferences, Handle: (*api).handleGetPreferences},
	{Pattern: "PUT /v1/recipients/{id}/preferences", Access: preferences, Handle: (*api).handlePutPreferences},
	{Pattern: "GET /v1/recipients/{id}/contact", Access: contacts, Handle: (*api).handleGetContact},
	{Pattern: "PUT /v1/recipients/{id}/contact", Access: contacts, Handle: (*api).handlePutContact},
	{Pattern: "DELETE /v1/recipients/{id}/contact", Access: contacts, Handle: (*api).handleDeleteContact},
	{Pattern: "GET /v1/recipients/{id}/devices", Access: devices, Handle: (*api).handleListDevices},
	{Pattern: "PUT /v1/recipients/{id}/devices/{token}", Access: devices, Handle: (*api).handlePutDevice},
	{Pattern: "DELETE /v1/recipients/{id}/devices/{token}", Access: devices, Handle: (*api).handleDeleteDevice},
	{Pattern: "POST " + sendGridWebhookPath, Access: service.Public, Handle: (*api).handleSendGrid},
	{Pattern: "POST " + twilioCallbackPath, Access: service.Public, Handle: (*api).handleTwilio},
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

// register mounts every route on mux through httpedge.Mount: bearer authentication (401)
// and the route's permission (403) first, except for the webhooks, which check the
// provider's signature (401) instead; a handler's error is written by the edge. No route
// metrics yet: Run's registry labels everything service=notifications already, which the
// edge's series take as a variable label (the runner's registry does not).
func (a *api) register(mux *http.ServeMux) error {
	if err := httpedge.Mount(mux, httpedge.MountConfig{Service: ServiceName, Auth: a.auth, Logger: a.log},
		a.bind(routes)...); err != nil {
		return fmt.Errorf("notifications: %w", err)
	}
	mux.HandleFunc("GET /openapi.json", serveOpenAPI)
	return nil
}

// registerWebhooks mounts only the provider webhooks on mux (the dev callback listener).
func (a *api) registerWebhooks(mux *http.ServeMux) error {
	var public []service.Route[*api]
	for _, rt := range routes {
		if rt.Access.Public {
			public = append(public, rt)
		}
	}
	return httpedge.Mount(mux, httpedge.MountConfig{Service: ServiceName, Logger: a.log}, a.bind(public)...)
}

// bind turns the route table into the edge's routes, each handler bound to a.
func (a *api) bind(rts []service.Route[*api]) []httpedge.Route {
	out := make([]httpedge.Route, 0, len(rts))
	for _, rt := range rts {
		out = append(out, httpedge.Route{Pattern: rt.Pattern, Perm: rt.Access.Perm, Callers: rt.Access.Callers, Public: rt.Access.Public,
			Handler: httpedge.Handler(func(w http.ResponseWriter, r *http.Request) error { return rt.Handle(a, w, r) }, a.log)})
	}
	return out
}

func writeJSON(w http.ResponseWriter, status int, v any) error {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	return json.NewEncoder(w).Encode(v)
}

func caller(r *http.Request) string {
	c, _ := apiauth.CallerFrom(r.Context())
	return c.Name
}

// invalidField is a 400 naming the one invalid field and why (problem.FieldError).
func invalidField(detail, field, reason string) error {
	return fault.Invalid(detail).With("errors", []problem.FieldError{{Field: field, Reason: reason}})
}
