package notifications

import (
	"net/http"

	"github.com/novatrek/support/internal/platform/apiauth"
	"github.com/novatrek/support/internal/platform/fault"
	"github.com/novatrek/support/internal/platform/problem"
	"github.com/novatrek/support/internal/platform/service"
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

// maxBody bounds a request body (template versions are the largest); the HTTP edge
// answers 413 beyond it.
const maxBody = 256 << 10

// routes are the endpoints with who may call each (the Data Ownership table); openapi.json
// documents the same list. The webhooks are Public: the providers sign them instead.
var routes = []service.Route[*app]{
	{Pattern: "GET /v1/notifications/{id}", Access: read, Handle: (*app).handleGetNotification},
	{Pattern: "GET /v1/recipients/{id}/inbox", Access: inbox, Handle: (*app).handleInbox},
	{Pattern: "POST /v1/recipients/{id}/inbox/{msg}/read", Access: inbox, Handle: (*app).handleMarkRead},
	{Pattern: "POST /v1/templates/{name}/versions", Access: templates, Handle: (*app).handlePublish},
	{Pattern: "POST /v1/templates/{name}/rollback", Access: templates, Handle: (*app).handleRollback},
	{Pattern: "GET /v1/recipients/{id}/preferences", Access: preferences, Handle: (*app).handleGetPreferences},
	{Pattern: "PUT /v1/recipients/{id}/preferences", Access: preferences, Handle: (*app).handlePutPreferences},
	{Pattern: "GET /v1/recipients/{id}/contact", Access: contacts, Handle: (*app).handleGetContact},
	{Pattern: "PUT /v1/recipients/{id}/contact", Access: contacts, Handle: (*app).handlePutContact},
	{Pattern: "DELETE /v1/recipients/{id}/contact", Access: contacts, Handle: (*app).handleDeleteContact},
	{Pattern: "GET /v1/recipients/{id}/devices", Access: devices, Handle: (*app).handleListDevices},
	{Pattern: "PUT /v1/recipients/{id}/devices/{token}", Access: devices, Handle: (*app).handlePutDevice},
	{Pattern: "DELETE /v1/recipients/{id}/devices/{token}", Access: devices, Handle: (*app).handleDeleteDevice},
	{Pattern: "POST " + sendGridWebhookPath, Access: service.Public, Handle: (*app).handleSendGrid},
	{Pattern: "POST " + twilioCallbackPath, Access: service.Public, Handle: (*app).handleTwilio},
}

func caller(r *http.Request) string {
	c, _ := apiauth.CallerFrom(r.Context())
	return c.Name
}

// invalidField is a 400 naming the one invalid field and why (problem.FieldError).
func invalidField(detail, field, reason string) error {
	return fault.Invalid(detail).With("errors", []problem.FieldError{{Field: field, Reason: reason}})
}
