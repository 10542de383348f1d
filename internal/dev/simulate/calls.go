package simulate

import (
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// Call is one synchronous API call a simulated domain makes: the contact of a person it owns,
// a guest app's push device, a location and the reads of it (locations.go). Route is the route called, as the target service's Spec and
// OpenAPI declare it (RouteContact, RouteDevice): the dev stack finds the running service
// that declares it, so no target is named here. Path is the route's path filled in,
// relative to that service's base URL; Caller is the calling service, whose dev token is
// "dev-<Caller>".
type Call struct {
	Route  string
	Method string
	Path   string
	Caller string
	Body   json.RawMessage
	// The rest serve the stateful calls of the neighbours' workflows (see neighbours.go).
	Token          string `json:",omitempty"` // bearer token instead of "dev-<Caller>" (a guest's)
	IdempotencyKey string `json:",omitempty"` // sent as Idempotency-Key
	// IfMatch, when set, is the path of the resource whose ETag (read by GET first) is
	// sent as If-Match; a 412 (another writer came first) reads it again and retries.
	IfMatch string `json:",omitempty"`
	// Copies > 1 sends the call that many times at once (a guest editing on two devices).
	Copies int `json:",omitempty"`
	// Expect is a refusal the caller provokes on purpose (a duplicate's 409): that answer is
	// ErrExpected, counted apart from failures.
	Expect int `json:",omitempty"`
	// Save remembers the created resource's id (the last segment of Location, else the
	// answer's "id" or "asset_id") under this name; a later call's Path names it as {$name}.
	// An answer carrying a presigned upload form ("upload": url and fields) keeps it too.
	Save string `json:",omitempty"`
	// Upload, when set, first posts a generated photo to the presigned upload form saved
	// with Upload.Grant, as a browser would, then makes the call (the upload-complete).
	Upload *Upload `json:",omitempty"`
}

// Upload is the file a call posts to S3 before it is made: a JPEG drawn from Photo (a seed,
// see scenePhoto) with the form the call saved as Grant answered.
type Upload struct {
	Grant string
	Photo string
}

// The routes the simulated calls use (CallRoutes lists them all).
const (
	// RouteContact writes the contact of a person the caller owns.
	RouteContact = "PUT /v1/recipients/{id}/contact"
	// RouteDevice registers a guest app's push device.
	RouteDevice = "PUT /v1/recipients/{id}/devices/{token}"
	// RouteLocation creates or replaces a location (Generator.Setup).
	RouteLocation = "PUT /v1/locations/{id}"
	// RouteCapacity checks whether a party fits at a location.
	RouteCapacity = "GET /v1/locations/{id}/capacity"
	// RoutePickup validates a pickup point.
	RoutePickup = "GET /v1/pickups/validation"
	// RouteTrail reads a trail's line.
	RouteTrail = "GET /v1/trails/{id}/coordinates"
	// RoutePosition reads a guest's last known position.
	RoutePosition = "GET /v1/guests/{id}/position"
	// RouteAdjust records a check-out (an occupancy adjustment).
	RouteAdjust = "POST /v1/locations/{id}/occupancy-adjustments"
)

// CallRoutes lists every route a simulated call may use.
var CallRoutes = []string{
	RouteContact, RouteDevice,
	RouteLocation, RouteCapacity, RoutePickup, RouteTrail, RoutePosition, RouteAdjust,
	RouteReviewSubmit, RouteReviewEdit, RouteReviewVote, RouteReviewModerate,
	RouteRedeem, RouteCancelRedemption,
	RouteSupplier, RouteOrder, RouteTransition, RouteStockAdjust,
	RouteMediaUpload, RouteMediaComplete,
	RouteDeposit,
}

// contactWriters is the domain that owns each type of person the generator names, the one
// svc-notifications lets write their contacts. GUEST contacts come from guest.registered.
var contactWriters = map[string]string{
	"GUIDE":       "svc-scheduling-orchestrator",
	"PARK_RANGER": "svc-trail-management",
	"RESCUE_TEAM": "svc-emergency-response",
	"PARTNER":     "svc-partner-integrations",
	"STAFF":       "notifications-ops",
}

// contactStyle is how a type of person's fake contact looks: the mail domain (reserved
// example domains only) and the locales and zones they pick from.
type contactStyle struct {
	domain  string
	locales []string
	zones   []string
}

var contactStyles = map[string]contactStyle{
	"GUIDE":       {"guides.novatrek.example", []string{"en-US", "en-US", "es-US", "fr-CA"}, []string{"America/Denver", "America/Los_Angeles", "America/Phoenix", "America/Anchorage"}},
	"PARK_RANGER": {"rangers.example.org", []string{"en-US"}, []string{"America/Denver", "America/Los_Angeles"}},
	"RESCUE_TEAM": {"rescue.example.org", []string{"en-US"}, []string{"America/Denver"}},
	"PARTNER":     {"partners.example.com", []string{"en", "en-GB", "de"}, []string{"America/New_York", "Europe/London", "Europe/Berlin"}},
	"STAFF":       {"staff.novatrek.example", []string{"en-US"}, []string{"America/Denver"}},
}

// deviceShare is the share of guests who use the guest app and register a push device;
// the others stay without one, so their push notifications fail as they would.
const deviceShare = 0.7

// hashOf derives bytes from the seed and parts without touching the generator's random
// stream, so adding calls leaves the events of a seed as they were.
func (g *Generator) hashOf(parts ...string) [32]byte {
	return sha256.Sum256([]byte(g.seed + "/" + strings.Join(parts, "/")))
}

// named records that an event about to be emitted names the person typ:id; the first time,
// the owning domain writes the person's contact before that event (Event.Before). Guests
// are not handled here: their contact comes from guest.registered.
func (g *Generator) named(typ, id string) {
	writer, ok := contactWriters[typ]
	if !ok || id == "" {
		return
	}
	key := typ + ":" + id
	if g.contacts[key] {
		return
	}
	g.contacts[key] = true
	h := g.hashOf("contact", key)
	n := binary.BigEndian.Uint64(h[:8])
	style := contactStyles[typ]
	name := firstNames[n%uint64(len(firstNames))] + " " + lastNames[(n/32)%uint64(len(lastNames))]
	if typ == "PARTNER" {
		name = strings.ReplaceAll(strings.TrimPrefix(id, "PTR-"), "-", " ") + " bookings desk"
	}
	email := strings.ToLower(id) + "@" + style.domain
	// +1 555-0xx-xxxx: the 555 area code is fiction; nobody is texted.
	phone := fmt.Sprintf("+15550%02d%04d", binary.BigEndian.Uint16(h[8:10])%100, binary.BigEndian.Uint16(h[10:12])%10000)
	body, _ := json.Marshal(map[string]string{ // a map of strings always marshals
		"name": name, "email": email, "phone": phone,
		"locale":    style.locales[int(h[12])%len(style.locales)],
		"time_zone": style.zones[int(h[13])%len(style.zones)],
	})
	g.before = append(g.before, Call{
		Route: RouteContact, Method: http.MethodPut, Path: "/v1/recipients/" + url.PathEscape(key) + "/contact", Caller: writer, Body: body,
	})
	if typ == "GUIDE" || typ == "STAFF" { // they carry the staff app, whose backend is guest-app's
		g.before = append(g.before, g.deviceCall(key))
	}
}

// device decides whether guest gu uses the guest app (deviceShare of guests) and, if so,
// queues the app's device registration right after the guest's guest.registered
// (Event.After): a fake FCM-like registration token derived from the seed.
func (g *Generator) device(gu *guest) {
	h := g.hashOf("app", gu.id)
	if float64(binary.BigEndian.Uint64(h[:8]))/(1<<64) >= deviceShare {
		return
	}
	g.after = append(g.after, g.deviceCall("GUEST:"+gu.id))
}

// deviceCall is the app's registration of the push device of recipient (TYPE:id): a fake
// FCM-like registration token derived from the seed.
func (g *Generator) deviceCall(recipient string) Call {
	id := strings.TrimPrefix(recipient, "GUEST:") // guests' tokens as they always were
	h := g.hashOf("app", id)
	platform := "android"
	if h[8]%5 < 2 {
		platform = "ios"
	}
	// FCM tokens look like "<instance id>:APA91b<payload>" in URL-safe base64 (~160 chars).
	payload := sha512.Sum512([]byte(g.seed + "/fcm/" + id))
	token := base64.RawURLEncoding.EncodeToString(h[16:32])[:22] + ":APA91b" +
		base64.RawURLEncoding.EncodeToString(payload[:]) + base64.RawURLEncoding.EncodeToString(h[:24])
	body, _ := json.Marshal(map[string]string{"platform": platform})
	return Call{
		Route: RouteDevice, Method: http.MethodPut, Caller: "guest-app", Body: body,
		Path: "/v1/recipients/" + url.PathEscape(recipient) + "/devices/" + url.PathEscape(token),
	}
}
