package notifications

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/novatrek/support/internal/testkit/pgtest"
	"github.com/novatrek/support/processors/notifications/provider/inapp"
	"github.com/novatrek/support/processors/notifications/provider/sendgrid"
)

func TestGetNotification(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	id := h.notification("email", "queued")
	h.logEntry(id, "sendgrid", "msg-1")

	for _, c := range []string{CallerAnalytics, CallerOps} {
		code, b := h.do("GET", "/v1/notifications/"+id.String(), c, nil)
		wantStatus(t, c, code, http.StatusOK, b)
		v := decodeJSON[notificationView](t, b)
		if v.ID != id || v.Status != "queued" || len(v.DeliveryLog) != 1 || *v.DeliveryLog[0].ProviderMessageID != "msg-1" {
			t.Fatalf("%s got %+v", c, v)
		}
	}
	code, b := h.do("GET", "/v1/notifications/"+uuid.NewString(), CallerAnalytics, nil)
	wantStatus(t, "unknown id", code, http.StatusNotFound, b)
	code, b = h.do("GET", "/v1/notifications/not-a-uuid", CallerAnalytics, nil)
	wantStatus(t, "malformed id", code, http.StatusNotFound, b)
	code, b = h.do("GET", "/v1/notifications/"+id.String(), "", nil)
	wantStatus(t, "no token", code, http.StatusUnauthorized, b)
	code, b = h.do("GET", "/v1/notifications/"+id.String(), "svc-weather", nil)
	wantStatus(t, "not granted", code, http.StatusForbidden, b)
}

func TestInbox(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	store, err := inapp.New(h.pool, Schema)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if _, err := store.Send(h.ctx, inAppMessage(uuid.NewString(), "g-7", i)); err != nil {
			t.Fatal(err)
		}
	}
	code, b := h.do("GET", "/v1/recipients/g-7/inbox?limit=2", CallerApp, nil)
	wantStatus(t, "first page", code, http.StatusOK, b)
	p1 := decodeJSON[inapp.Page](t, b)
	if len(p1.Items) != 2 || p1.Next == "" || p1.Unread != 3 {
		t.Fatalf("first page %+v", p1)
	}
	code, b = h.do("GET", "/v1/recipients/g-7/inbox?limit=2&after="+url.QueryEscape(p1.Next), CallerApp, nil)
	wantStatus(t, "second page", code, http.StatusOK, b)
	if p2 := decodeJSON[inapp.Page](t, b); len(p2.Items) != 1 || p2.Next != "" {
		t.Fatalf("second page %+v", p2)
	}

	msg := p1.Items[0].ID
	code, b = h.do("POST", "/v1/recipients/g-7/inbox/"+msg+"/read", CallerApp, nil)
	wantStatus(t, "mark read", code, http.StatusNoContent, b)
	code, b = h.do("GET", "/v1/recipients/g-7/inbox?unread=true", CallerApp, nil)
	wantStatus(t, "unread", code, http.StatusOK, b)
	if p := decodeJSON[inapp.Page](t, b); p.Unread != 2 || len(p.Items) != 2 {
		t.Fatalf("after read %+v", p)
	}

	code, b = h.do("POST", "/v1/recipients/someone-else/inbox/"+msg+"/read", CallerApp, nil)
	wantStatus(t, "other recipient's message", code, http.StatusNotFound, b)
	code, b = h.do("GET", "/v1/recipients/g-7/inbox?limit=0", CallerApp, nil)
	wantStatus(t, "bad limit", code, http.StatusBadRequest, b)
	code, b = h.do("GET", "/v1/recipients/g-7/inbox?after=garbage", CallerApp, nil)
	wantStatus(t, "bad cursor", code, http.StatusBadRequest, b)
	code, b = h.do("GET", "/v1/recipients/g-7/inbox", CallerAnalytics, nil)
	wantStatus(t, "analytics may not read inboxes", code, http.StatusForbidden, b)
}

func TestPublishAndRollbackTemplate(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	draft := func(body string) publishRequest {
		return publishRequest{Channel: "sms", Locale: "en", Body: body, Variables: []string{"guest_name"},
			SampleData: map[string]any{"guest_name": "Ada"}}
	}
	code, b := h.do("POST", "/v1/templates/trip-reminder/versions", CallerOps, draft("Hi {{.guest_name}}"))
	wantStatus(t, "publish v1", code, http.StatusCreated, b)
	if v := decodeJSON[versionView](t, b); v.Version != 1 || v.PublishedBy != CallerOps {
		t.Fatalf("v1 %+v", v)
	}
	code, b = h.do("POST", "/v1/templates/trip-reminder/versions", CallerOps, draft("Hello {{.guest_name}}"))
	wantStatus(t, "publish v2", code, http.StatusCreated, b)

	// A variable without sample data: 422 naming it.
	bad := draft("Hi {{.guest_name}}, trip {{.trip_name}}")
	bad.Variables = append(bad.Variables, "trip_name")
	code, b = h.do("POST", "/v1/templates/trip-reminder/versions", CallerOps, bad)
	wantStatus(t, "missing variable", code, http.StatusUnprocessableEntity, b)
	if p := decodeJSON[map[string]any](t, b); !strings.Contains(string(b), "trip_name") || p["missing"] == nil {
		t.Fatalf("problem does not name the variable: %s", b)
	}
	code, b = h.do("POST", "/v1/templates/trip-reminder/versions", CallerOps, publishRequest{Channel: "fax", Body: "x"})
	wantStatus(t, "unknown channel", code, http.StatusUnprocessableEntity, b)
	code, b = h.do("POST", "/v1/templates/trip-reminder/versions", CallerOps, map[string]any{"bogus": 1})
	wantStatus(t, "unknown field", code, http.StatusBadRequest, b)
	code, b = h.do("POST", "/v1/templates/trip-reminder/versions", CallerApp, draft("x"))
	wantStatus(t, "app may not publish", code, http.StatusForbidden, b)

	code, b = h.do("POST", "/v1/templates/trip-reminder/rollback", CallerOps, rollbackRequest{Channel: "sms", Version: 1})
	wantStatus(t, "rollback", code, http.StatusOK, b)
	if v := decodeJSON[versionView](t, b); v.Version != 1 || v.Body != "Hi {{.guest_name}}" {
		t.Fatalf("rolled back to %+v", v)
	}
	var current int
	if err := h.pool.QueryRow(h.ctx, `SELECT t.version FROM notifications.template_activations a
		JOIN notifications.templates t ON t.id = a.template_id
		WHERE a.name = 'trip-reminder' ORDER BY a.id DESC LIMIT 1`).Scan(&current); err != nil || current != 1 {
		t.Fatalf("current version %d, %v", current, err)
	}
	code, b = h.do("POST", "/v1/templates/trip-reminder/rollback", CallerOps, rollbackRequest{Channel: "sms", Version: 9})
	wantStatus(t, "rollback to unknown version", code, http.StatusNotFound, b)
	code, b = h.do("POST", "/v1/templates/trip-reminder/rollback", CallerOps, rollbackRequest{Channel: "sms"})
	wantStatus(t, "rollback without version", code, http.StatusBadRequest, b)
}

func TestPreferences(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	code, b := h.do("GET", "/v1/recipients/g-9/preferences", CallerApp, nil)
	wantStatus(t, "defaults", code, http.StatusOK, b)
	// No zone of their own: quiet hours follow the contact's zone, else UTC.
	if p := decodeJSON[map[string]any](t, b); p["time_zone"] != "" {
		t.Fatalf("defaults %s", b)
	}
	put := map[string]any{"time_zone": "America/Denver", "quiet_hours": map[string]string{"start": "22:00", "end": "07:00"},
		"opted_out_channels": []string{"sms"}, "opted_out_categories": []string{"marketing"}}
	code, b = h.do("PUT", "/v1/recipients/g-9/preferences", CallerApp, put)
	wantStatus(t, "put", code, http.StatusOK, b)
	code, b = h.do("GET", "/v1/recipients/g-9/preferences", CallerOps, nil)
	wantStatus(t, "get", code, http.StatusOK, b)
	if !strings.Contains(string(b), "America/Denver") || !strings.Contains(string(b), `"22:00"`) || !strings.Contains(string(b), "sms") {
		t.Fatalf("stored %s", b)
	}

	put["opted_out_categories"] = []string{"emergency"}
	code, b = h.do("PUT", "/v1/recipients/g-9/preferences", CallerApp, put)
	wantStatus(t, "opting out of emergencies", code, http.StatusUnprocessableEntity, b)
	code, b = h.do("PUT", "/v1/recipients/g-9/preferences", CallerApp, map[string]any{"time_zone": "Mars/Olympus"})
	wantStatus(t, "unknown zone", code, http.StatusUnprocessableEntity, b)
	code, b = h.do("PUT", "/v1/recipients/g-9/preferences", CallerApp, map[string]any{"quiet_hours": map[string]string{"start": "25:99"}})
	wantStatus(t, "malformed clock", code, http.StatusBadRequest, b)
	code, b = h.do("PUT", "/v1/recipients/g-9/preferences", CallerAnalytics, put)
	wantStatus(t, "analytics may not", code, http.StatusForbidden, b)
	// The rejected puts changed nothing.
	_, b = h.do("GET", "/v1/recipients/g-9/preferences", CallerOps, nil)
	if strings.Contains(string(b), "emergency") || !strings.Contains(string(b), "America/Denver") {
		t.Fatalf("after rejected puts %s", b)
	}
}

func TestSendGridWebhook(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	byRef := h.notification("email", "sent")
	h.logEntry(byRef, "sendgrid", "sgid-ref")
	byMsgID := h.notification("email", "sent")
	h.logEntry(byMsgID, "sendgrid", "sgid-2")
	events := []map[string]any{
		sgEvent("delivered", "sgid-ref", byRef.String()),
		sgEvent("bounce", "sgid-2", ""),
	}
	hook := h.srv.URL + "/v1/webhooks/sendgrid"

	// A post signed with another key: 401 and nothing changes.
	other, err := h.otherSendGridKeyRequest(hook, events)
	if err != nil {
		t.Fatal(err)
	}
	code, b := h.send(other)
	wantStatus(t, "foreign signature", code, http.StatusUnauthorized, b)
	if st, n := h.status(byRef); st != "sent" || n != 1 {
		t.Fatalf("after a bad signature: %s with %d log rows", st, n)
	}

	for range 2 { // a redelivered post changes nothing more
		req, err := h.fakes.SendGrid.SignedEventRequest(h.ctx, hook, events)
		if err != nil {
			t.Fatal(err)
		}
		code, b = h.send(req)
		wantStatus(t, "signed post", code, http.StatusNoContent, b)
	}
	if st, n := h.status(byRef); st != "delivered" || n != 2 {
		t.Fatalf("matched by ref: %s with %d log rows", st, n)
	}
	if st, n := h.status(byMsgID); st != "failed" || n != 2 {
		t.Fatalf("matched by message id: %s with %d log rows", st, n)
	}
	// One decodable status event per change, none for the replay.
	if evs := h.statusEvents(byRef); len(evs) != 1 || evs[0].Status != "DELIVERED" || evs[0].Channel != "EMAIL" || evs[0].Provider != "sendgrid" {
		t.Fatalf("status events of %s: %+v", byRef, evs)
	}
	if evs := h.statusEvents(byMsgID); len(evs) != 1 || evs[0].Status != "BOUNCED" || evs[0].ErrorMessage == nil {
		t.Fatalf("status events of %s: %+v", byMsgID, evs)
	}

	// A missing signature: 401.
	req, err := http.NewRequestWithContext(h.ctx, "POST", hook, strings.NewReader(`[]`))
	if err != nil {
		t.Fatal(err)
	}
	code, b = h.send(req)
	wantStatus(t, "unsigned", code, http.StatusUnauthorized, b)
}

func TestTwilioWebhook(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	id := h.notification("sms", "sent")
	h.logEntry(id, "twilio", "SM0123456789abcdef0123456789abcdef")
	hook := h.srv.URL + "/v1/webhooks/twilio"
	form := url.Values{"MessageSid": {"SM0123456789abcdef0123456789abcdef"}, "MessageStatus": {"undelivered"},
		"ErrorCode": {"30003"}, "AccountSid": {h.fakes.Twilio.AccountSID()}, "To": {"+15005550006"}}

	tampered, err := h.fakes.Twilio.SignedCallbackRequest(h.ctx, hook, form)
	if err != nil {
		t.Fatal(err)
	}
	tampered.Header.Set("X-Twilio-Signature", "AAAA"+tampered.Header.Get("X-Twilio-Signature")[4:])
	code, b := h.send(tampered)
	wantStatus(t, "tampered signature", code, http.StatusUnauthorized, b)
	if st, n := h.status(id); st != "sent" || n != 1 || len(h.statusEvents(id)) != 0 {
		t.Fatalf("after a bad signature: %s with %d log rows", st, n)
	}

	req, err := h.fakes.Twilio.SignedCallbackRequest(h.ctx, hook, form)
	if err != nil {
		t.Fatal(err)
	}
	code, b = h.send(req)
	wantStatus(t, "signed callback", code, http.StatusNoContent, b)
	if st, n := h.status(id); st != "failed" || n != 2 {
		t.Fatalf("after the callback: %s with %d log rows", st, n)
	}
	if evs := h.statusEvents(id); len(evs) != 1 || evs[0].Status != "FAILED" || evs[0].Channel != "SMS" || evs[0].Kind != "BOOKING_CONFIRMATION" {
		t.Fatalf("status events: %+v", evs)
	}
	var reason string
	if err := h.pool.QueryRow(h.ctx, `SELECT status_reason FROM notifications.notifications WHERE id = $1`, id).Scan(&reason); err != nil || !strings.Contains(reason, "30003") {
		t.Fatalf("status reason %q, %v", reason, err)
	}

	// Signed but without MessageStatus: 400.
	req, err = h.fakes.Twilio.SignedCallbackRequest(h.ctx, hook, url.Values{"MessageSid": {"SMx"}})
	if err != nil {
		t.Fatal(err)
	}
	code, b = h.send(req)
	wantStatus(t, "malformed callback", code, http.StatusBadRequest, b)
}

func TestFinalStatusNotOverwritten(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	id := h.notification("email", "delivered")
	pgtest.Exec(t, h.pool, `UPDATE notifications.notifications SET status_reason = 'kept' WHERE id = $1`, id)
	req, err := h.fakes.SendGrid.SignedEventRequest(h.ctx, h.srv.URL+"/v1/webhooks/sendgrid",
		[]map[string]any{sgEvent("processed", "sg-late", id.String())})
	if err != nil {
		t.Fatal(err)
	}
	code, b := h.send(req)
	wantStatus(t, "late processed event", code, http.StatusNoContent, b)
	if st, n := h.status(id); st != "delivered" || n != 1 || len(h.statusEvents(id)) != 0 {
		t.Fatalf("a late event changed a final status: %s with %d log rows", st, n)
	}
}

func TestOpenAPIListsEveryRoute(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	code, b := h.do("GET", "/openapi.json", "", nil)
	wantStatus(t, "openapi", code, http.StatusOK, b)
	doc := decodeJSON[struct {
		Paths map[string]map[string]any `json:"paths"`
	}](t, b)
	for _, rt := range routes {
		method, path, _ := strings.Cut(rt.Pattern, " ")
		if _, ok := doc.Paths[path][strings.ToLower(method)]; !ok {
			t.Errorf("openapi.json does not document %s", rt.Pattern)
		}
	}
}

// sgEvent is an Event Webhook event about X-Message-Id msgID, carrying our ref if set.
func sgEvent(kind, msgID, ref string) map[string]any {
	ev := map[string]any{"email": "ada@example.com", "timestamp": time.Now().Unix(), "event": kind,
		"sg_event_id": uuid.NewString(), "sg_message_id": msgID + ".filterdrecv-fake-1.0"}
	if kind == "bounce" {
		ev["type"], ev["reason"] = "bounce", "550 5.1.1 unknown user"
	}
	if ref != "" {
		ev[sendgrid.RefArg] = ref
	}
	return ev
}

// Preferences without opt-outs list them as empty arrays, both the defaults and a stored
// set that names none: the document promises arrays (they answered null before).
func TestPreferencesListNoOptOutsAsEmptyArrays(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	code, b := h.do("GET", "/v1/recipients/g-10/preferences", CallerApp, nil)
	wantStatus(t, "defaults", code, http.StatusOK, b)
	code, put := h.do("PUT", "/v1/recipients/g-11/preferences", CallerApp, map[string]any{"time_zone": "Europe/Oslo"})
	wantStatus(t, "put without opt-outs", code, http.StatusOK, put)
	for what, body := range map[string][]byte{"defaults": b, "stored": put} {
		p := decodeJSON[map[string]any](t, body)
		for _, k := range []string{"opted_out_channels", "opted_out_categories"} {
			if l, ok := p[k].([]any); !ok || len(l) != 0 {
				t.Errorf("%s: %s = %#v, want []: %s", what, k, p[k], body)
			}
		}
	}
}
