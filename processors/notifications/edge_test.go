package notifications

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/novatrek/support/internal/platform/pci/pcitest"
	"github.com/novatrek/support/internal/platform/problem"
)

// raw sends body byte for byte (h.do marshals, which would escape what these tests send).
func (h *harness) raw(method, path, caller string, body []byte) (int, []byte) {
	h.t.Helper()
	req, err := http.NewRequestWithContext(h.ctx, method, h.srv.URL+path, bytes.NewReader(body))
	if err != nil {
		h.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+testToken(caller))
	req.Header.Set("Content-Type", "application/json")
	return h.send(req)
}

// wantProblem fails unless b is a problem of status and type.
func wantProblem(t *testing.T, what string, code int, b []byte, status int, typ string) map[string]any {
	t.Helper()
	var doc map[string]any
	if code != status || json.Unmarshal(b, &doc) != nil || doc["type"] != typ {
		t.Errorf("%s: %d %s; want %d %s", what, code, b, status, typ)
	}
	return doc
}

// TestEdgeRefusesBadInput: what reached PostgreSQL as a 500 (NUL, invalid UTF-8), the
// oversize body answered 400 and ServeMux's text/plain 404/405 are problems of the right
// status now.
func TestEdgeRefusesBadInput(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	contact := "/v1/recipients/GUIDE:gd-1/contact"
	code, b := h.raw("PUT", contact, CallerScheduling, []byte(`{"name":"Gia\u0000"}`))
	wantProblem(t, "NUL in a JSON string", code, b, http.StatusBadRequest, problem.TypeValidation)
	code, b = h.raw("PUT", contact, CallerScheduling, []byte("{\"name\":\"Gia\xff\"}"))
	wantProblem(t, "invalid UTF-8 in a JSON string", code, b, http.StatusBadRequest, problem.TypeValidation)
	code, b = h.raw("PUT", "/v1/recipients/GUIDE:gd-1%00/contact", CallerScheduling, []byte(`{"name":"Gia"}`))
	wantProblem(t, "NUL in a path segment", code, b, http.StatusBadRequest, problem.TypeValidation)
	code, b = h.raw("GET", "/v1/recipients/GUIDE:%ff/devices", CallerOps, nil)
	wantProblem(t, "invalid UTF-8 in a path segment", code, b, http.StatusBadRequest, problem.TypeValidation)

	big := `{"channel":"sms","locale":"en","body":"` + strings.Repeat("a", maxBody) + `"}`
	code, b = h.raw("POST", "/v1/templates/trip-reminder/versions", CallerOps, []byte(big))
	wantProblem(t, "oversize body", code, b, http.StatusRequestEntityTooLarge, problem.TypeTooLarge)

	code, b = h.raw("GET", "/v1/no-such-thing", CallerOps, nil)
	wantProblem(t, "unknown route", code, b, http.StatusNotFound, problem.TypeNotFound)
	req, _ := http.NewRequestWithContext(h.ctx, "PATCH", h.srv.URL+contact, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed || !problem.Is(resp.Header.Get("Content-Type")) || !strings.Contains(resp.Header.Get("Allow"), "PUT") {
		t.Errorf("wrong method: %d %s Allow %q; want 405 problem+json with Allow", resp.StatusCode, resp.Header.Get("Content-Type"), resp.Header.Get("Allow"))
	}
}

// TestPutContactNeedsABody: a null or empty body used to answer 200 and empty the contact.
func TestPutContactNeedsABody(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	path := "/v1/recipients/GUIDE:gd-2/contact"
	code, b := h.do("PUT", path, CallerScheduling, map[string]any{"name": "Gia", "email": "gia@guides.example"})
	wantStatus(t, "put", code, http.StatusOK, b)
	for _, body := range []string{`null`, `{}`} {
		code, b = h.raw("PUT", path, CallerScheduling, []byte(body))
		doc := wantProblem(t, "PUT "+body, code, b, http.StatusBadRequest, problem.TypeValidation)
		if errs, _ := doc["errors"].([]any); len(errs) == 0 || errs[0].(map[string]any)["field"] != "name" {
			t.Errorf("PUT %s: %s; want the field name named", body, b)
		}
	}
	code, b = h.do("GET", path, CallerScheduling, nil)
	if wantStatus(t, "get", code, http.StatusOK, b); !strings.Contains(string(b), "gia@guides.example") {
		t.Errorf("the contact was emptied: %s", b)
	}
}

// TestCardNumbersNeverStoredOrLogged sends card numbers everywhere svc-notifications takes
// text — contact names, recipient ids, device tokens, template subjects and bodies — and
// then scans the answers, every table of the schema and every log line (pcitest's checks,
// shared with svc-payments).
func TestCardNumbersNeverStoredOrLogged(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	// Real data first, so the tables are not trivially empty.
	code, b := h.do("PUT", "/v1/recipients/GUIDE:gd-3/contact", CallerScheduling, map[string]any{"name": "Gia", "phone": "+14155550100"})
	wantStatus(t, "put contact", code, http.StatusOK, b)
	code, b = h.do("PUT", "/v1/recipients/GUEST:g-3/devices/fcm-token-1", CallerApp, map[string]any{"platform": "android"})
	wantStatus(t, "put device", code, http.StatusCreated, b)

	type attempt struct {
		name, method, path, caller string
		body                       []byte
	}
	var attempts []attempt
	for _, pan := range append(pcitest.PANs, "4242.4242.4242.4242", "４２４２４２４２４２４２４２４２") {
		name, _ := json.Marshal(map[string]any{"name": "Gia " + pan})
		tmpl, _ := json.Marshal(map[string]any{"channel": "email", "locale": "en", "subject": "card " + pan, "body": "Hi {{.guest_name}}",
			"variables": []string{"guest_name"}, "sample_data": map[string]any{"guest_name": "Ada"}})
		body, _ := json.Marshal(map[string]any{"channel": "sms", "locale": "en", "body": "Your card " + pan})
		path := strings.ReplaceAll(pan, " ", "%20")
		attempts = append(attempts,
			attempt{"contact name", "PUT", "/v1/recipients/GUIDE:gd-3/contact", CallerScheduling, name},
			attempt{"recipient id", "PUT", "/v1/recipients/GUIDE:" + path + "/contact", CallerScheduling, []byte(`{"name":"Gia"}`)},
			attempt{"recipient id and NUL", "PUT", "/v1/recipients/GUIDE:" + path + "%00/contact", CallerScheduling, []byte(`{"name":"Gia"}`)},
			attempt{"device token", "PUT", "/v1/recipients/GUEST:g-3/devices/" + path, CallerApp, []byte(`{"platform":"ios"}`)},
			attempt{"template subject", "POST", "/v1/templates/trip-reminder/versions", CallerOps, tmpl},
			attempt{"template body", "POST", "/v1/templates/trip-reminder/versions", CallerOps, body},
			attempt{"inbox read", "GET", "/v1/recipients/GUEST:" + path + "/inbox", CallerApp, nil},
		)
	}
	for _, a := range attempts {
		code, b := h.raw(a.method, a.path, a.caller, a.body)
		if code != http.StatusBadRequest || !strings.Contains(string(b), problem.TypeCardData) && !strings.Contains(string(b), problem.TypeValidation) {
			t.Errorf("%s: %d %s; want 400", a.name, code, b)
		}
		pcitest.CheckAnswer(t, a.name, b)
	}
	pcitest.CheckStore(t, h.ctx, h.pool, Schema, 20)
	pcitest.CheckLogs(t, h.logs.String())
}
