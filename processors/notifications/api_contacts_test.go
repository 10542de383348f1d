package notifications

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/novatrek/support/processors/notifications/contact"
)

// TestContactsAPI: the domain owning a recipient type writes its contacts (PUT replaces,
// idempotent), another domain may not (403), ops may write any; invalid details are a 422
// naming the field, a malformed recipient a 400; DELETE is idempotent.
func TestContactsAPI(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	const path = "/v1/recipients/GUIDE:gd-1/contact"
	body := map[string]any{"name": "Gia", "email": "gia@guides.example", "phone": "+14155550100",
		"locale": "fr-CA", "time_zone": "America/Toronto"}
	for i := range 2 {
		code, b := h.do("PUT", path, CallerScheduling, body)
		wantStatus(t, "put guide contact", code, http.StatusOK, b)
		c := decodeJSON[contact.Contact](t, b)
		if c.Recipient != "GUIDE:gd-1" || c.Email == nil || *c.Email != "gia@guides.example" || c.TimeZone == nil ||
			*c.TimeZone != "America/Toronto" || c.UpdatedBy != CallerScheduling {
			t.Fatalf("put #%d stored %s", i+1, b)
		}
	}
	code, b := h.do("GET", path, CallerOps, nil)
	wantStatus(t, "ops reads it", code, http.StatusOK, b)
	if !strings.Contains(string(b), "+14155550100") {
		t.Fatalf("get %s", b)
	}

	// Per-type authorization.
	code, b = h.do("PUT", "/v1/recipients/GUEST:g-1/contact", CallerScheduling, body)
	wantStatus(t, "scheduling writes a guest", code, http.StatusForbidden, b)
	if !strings.Contains(string(b), "GUEST") {
		t.Errorf("403 does not say which type: %s", b)
	}
	code, b = h.do("PUT", "/v1/recipients/STAFF:s-1/contact", CallerTrails, body)
	wantStatus(t, "trails writes staff", code, http.StatusForbidden, b)
	code, b = h.do("PUT", "/v1/recipients/STAFF:s-1/contact", CallerOps, body)
	wantStatus(t, "ops writes staff", code, http.StatusOK, b)
	code, b = h.do("PUT", "/v1/recipients/PARK_RANGER:pr-1/contact", CallerTrails, map[string]any{"phone": "+14155550111"})
	wantStatus(t, "trails writes a ranger", code, http.StatusOK, b)
	code, b = h.do("GET", path, CallerApp, nil)
	wantStatus(t, "guest-app lacks the permission", code, http.StatusForbidden, b)
	code, b = h.do("GET", path, "", nil)
	wantStatus(t, "no token", code, http.StatusUnauthorized, b)

	// Bad input.
	code, b = h.do("PUT", path, CallerScheduling, map[string]any{"email": "gia", "phone": "555"})
	wantStatus(t, "invalid details", code, http.StatusUnprocessableEntity, b)
	if !strings.Contains(string(b), "email") || !strings.Contains(string(b), "phone") {
		t.Errorf("422 does not name both fields: %s", b)
	}
	code, b = h.do("PUT", path, CallerScheduling, map[string]any{"mail": "gia@guides.example"})
	wantStatus(t, "unknown field", code, http.StatusBadRequest, b)
	code, b = h.do("PUT", "/v1/recipients/gd-1/contact", CallerOps, body)
	wantStatus(t, "recipient without type", code, http.StatusBadRequest, b)
	// The rejected writes changed nothing.
	_, b = h.do("GET", path, CallerOps, nil)
	if !strings.Contains(string(b), "gia@guides.example") {
		t.Fatalf("after rejected puts %s", b)
	}

	for range 2 {
		code, b = h.do("DELETE", path, CallerScheduling, nil)
		wantStatus(t, "delete", code, http.StatusNoContent, b)
	}
	code, b = h.do("GET", path, CallerScheduling, nil)
	wantStatus(t, "get after delete", code, http.StatusNotFound, b)
}

// TestDevicesAPI: registering a token is 201 then 200 (idempotent), listing shows it,
// removing is 204 every time, bad tokens and platforms are 422, other callers 403.
func TestDevicesAPI(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	token := "fcm-tok_1:APA91b-xyz"
	path := "/v1/recipients/GUEST:g-7/devices/" + url.PathEscape(token)
	code, b := h.do("PUT", path, CallerApp, map[string]string{"platform": "android"})
	wantStatus(t, "register", code, http.StatusCreated, b)
	if d := decodeJSON[contact.Device](t, b); d.Token != token || d.Platform != "android" || d.RegisteredBy != CallerApp {
		t.Fatalf("registered %s", b)
	}
	code, b = h.do("PUT", path, CallerApp, map[string]string{"platform": "android"})
	wantStatus(t, "register again", code, http.StatusOK, b)
	code, b = h.do("PUT", "/v1/recipients/GUEST:g-7/devices/second-token", CallerGuestProfiles, nil)
	wantStatus(t, "register without a body", code, http.StatusCreated, b)

	code, b = h.do("GET", "/v1/recipients/GUEST:g-7/devices", CallerOps, nil)
	wantStatus(t, "list", code, http.StatusOK, b)
	page := decodeJSON[devicesPage](t, b)
	if len(page.Devices) != 2 || page.Devices[0].Token != "second-token" || page.Devices[1].Platform != "android" {
		t.Fatalf("devices %s", b)
	}

	code, b = h.do("PUT", path, CallerApp, map[string]string{"platform": "symbian"})
	wantStatus(t, "unknown platform", code, http.StatusUnprocessableEntity, b)
	code, b = h.do("PUT", "/v1/recipients/GUEST:g-7/devices/"+url.PathEscape("has space"), CallerApp, nil)
	wantStatus(t, "token with a space", code, http.StatusUnprocessableEntity, b)
	code, b = h.do("PUT", "/v1/recipients/NOBODY:x/devices/t", CallerApp, nil)
	wantStatus(t, "unknown recipient type", code, http.StatusBadRequest, b)
	code, b = h.do("PUT", path, CallerAnalytics, nil)
	wantStatus(t, "analytics may not", code, http.StatusForbidden, b)

	for range 2 {
		code, b = h.do("DELETE", path, CallerApp, nil)
		wantStatus(t, "remove", code, http.StatusNoContent, b)
	}
	_, b = h.do("GET", "/v1/recipients/GUEST:g-7/devices", CallerApp, nil)
	if page := decodeJSON[devicesPage](t, b); len(page.Devices) != 1 || page.Devices[0].Token != "second-token" {
		t.Fatalf("after remove %s", b)
	}
}
