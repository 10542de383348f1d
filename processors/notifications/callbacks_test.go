package notifications

import (
	"net/http"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/novatrek/support/internal/testkit/pgtest"
	"github.com/novatrek/support/processors/notifications/provider"
)

func TestParseRef(t *testing.T) {
	id := uuid.New()
	for ref, want := range map[string]struct {
		member string
		ok     bool
	}{
		id.String():                    {"", true},
		id.String() + "/GUEST:g-1":     {"GUEST:g-1", true},
		id.String() + "/STAFF:s-1/tab": {"STAFF:s-1/tab", true},
		id.String() + "/":              {"", false},
		"not-a-uuid/GUEST:g-1":         {"", false},
		"":                             {"", false},
	} {
		got, member, ok := parseRef(ref)
		if ok != want.ok || member != want.member || (ok && got != id) {
			t.Errorf("parseRef(%q) = %s, %q, %v; want %q, %v", ref, got, member, ok, want.member, want.ok)
		}
	}
}

// TestByNotificationGroupsOneNotificationsUpdates: a webhook post's updates naming the same
// notification by ref (its members included) go into one run, in order; a second
// notification's and each update without our ref form runs of their own, and no update is
// pulled in front of an update without our ref (which may be about the same notification).
func TestByNotificationGroupsOneNotificationsUpdates(t *testing.T) {
	a, b := uuid.NewString(), uuid.NewString()
	us := []provider.StatusUpdate{
		{Ref: a, Status: provider.StatusQueued}, {Ref: b, Status: provider.StatusQueued},
		{ProviderMessageID: "sg-1", Status: provider.StatusDelivered}, {Ref: a, Status: provider.StatusDelivered},
		{Ref: a + "/STAFF:s-1", Status: provider.StatusBounced}, {ProviderMessageID: "sg-2", Status: provider.StatusDelivered},
		{Ref: b, Status: provider.StatusDelivered}, {Ref: a, Status: provider.StatusOpened}, {Ref: b, Status: provider.StatusOpened},
	}
	got := byNotification(us)
	want := [][]provider.StatusUpdate{{us[0]}, {us[1]}, {us[2]}, {us[3], us[4]}, {us[5]}, {us[6], us[8]}, {us[7]}}
	if !slices.EqualFunc(got, want, slices.Equal) {
		t.Errorf("byNotification =\n%v\nwant\n%v", got, want)
	}
}

// groupNotification inserts a group row already sent to members (as the delivery stage
// records it: one provider message per member, ref "<id>/<member>").
func (h *harness) groupNotification(members map[string]string) uuid.UUID {
	h.t.Helper()
	id := uuid.New()
	pgtest.Exec(h.t, h.pool, `INSERT INTO notifications.notifications
		(id, source_event_id, source_topic, kind, recipient, recipient_type, channel, category, locale,
		 template_name, priority, status)
		VALUES ($1, $2, 'test', 'EMERGENCY_ALERT', 'group:operations-staff', 'STAFF', 'email', 'emergency', 'en',
		 'emergency.triggered', 'emergency', 'sent')`, id, uuid.New())
	for m, pmid := range members {
		h.memberSent(id, "sendgrid", m, pmid)
	}
	return id
}

func (h *harness) postSendGrid(events ...map[string]any) (int, http.Header) {
	h.t.Helper()
	req, err := h.fakes.SendGrid.SignedEventRequest(h.ctx, h.srv.URL+"/v1/webhooks/sendgrid", events)
	if err != nil {
		h.t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode, resp.Header
}

func (h *harness) memberStatus(id uuid.UUID, member string) string {
	h.t.Helper()
	var st string
	if err := h.pool.QueryRow(h.ctx, `SELECT `+memberStatus+` FROM notifications.delivery_members
		WHERE notification_id = $1 AND member = $2`, id, member).Scan(&st); err != nil {
		h.t.Fatal(err)
	}
	return st
}

// TestGroupMemberCallbacks: a member's callback (ref "<id>/<member>", or only the provider's
// message id) changes that member; the row is delivered when any member is, failed only
// when every member failed, with one status event per row change.
func TestGroupMemberCallbacks(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	mixed := h.groupNotification(map[string]string{"STAFF:a": "sg-a", "STAFF:b": "sg-b"})
	allBounce := h.groupNotification(map[string]string{"STAFF:a": "sg-a2", "STAFF:b": "sg-b2"})
	ref := func(id uuid.UUID, m string) string { return id.String() + "/" + m }

	// One member bounces: the member fails, the row stays sent (the other may arrive).
	if code, _ := h.postSendGrid(sgEvent("bounce", "sg-a", ref(mixed, "STAFF:a"))); code != http.StatusNoContent {
		t.Fatalf("bounce of one member: %d", code)
	}
	if st, n := h.status(mixed); st != "sent" || n != 3 {
		t.Fatalf("after one member's bounce the row is %s with %d log rows; want sent, 3 (2 sends + the bounce)", st, n)
	}
	if got := h.memberStatus(mixed, "STAFF:a"); got != "failed" {
		t.Errorf("bounced member: %s, want failed", got)
	}
	if evs := h.statusEvents(mixed); len(evs) != 0 {
		t.Errorf("status events after one member's bounce: %+v, want none", evs)
	}
	// The other is delivered: the row is delivered, once.
	for range 2 {
		if code, _ := h.postSendGrid(sgEvent("delivered", "sg-b", ref(mixed, "STAFF:b"))); code != http.StatusNoContent {
			t.Fatalf("delivery of the other member: %d", code)
		}
	}
	if st, _ := h.status(mixed); st != "delivered" {
		t.Errorf("row after a member's delivery: %s, want delivered", st)
	}
	if evs := h.statusEvents(mixed); len(evs) != 1 || evs[0].Status != "DELIVERED" {
		t.Errorf("status events: %+v, want one DELIVERED", evs)
	}

	// Every member bounces (the second matched by message id only): failed after the last.
	if code, _ := h.postSendGrid(sgEvent("bounce", "sg-a2", ref(allBounce, "STAFF:a"))); code != http.StatusNoContent {
		t.Fatalf("first bounce: %d", code)
	}
	if st, _ := h.status(allBounce); st != "sent" {
		t.Fatalf("after the first of two bounces: %s, want sent", st)
	}
	if code, _ := h.postSendGrid(sgEvent("bounce", "sg-b2", "")); code != http.StatusNoContent {
		t.Fatalf("second bounce (by message id): %d", code)
	}
	if st, _ := h.status(allBounce); st != "failed" {
		t.Errorf("after every member bounced: %s, want failed", st)
	}
	if evs := h.statusEvents(allBounce); len(evs) != 1 || evs[0].Status != "BOUNCED" {
		t.Errorf("status events: %+v, want one BOUNCED", evs)
	}

	// A member the row never had: ignored, nothing logged.
	if code, _ := h.postSendGrid(sgEvent("bounce", "sg-zz", ref(mixed, "STAFF:zz"))); code != http.StatusNoContent {
		t.Fatalf("unknown member: %d", code)
	}
	if _, n := h.status(mixed); n != 4 {
		t.Errorf("an unknown member's callback was logged: %d log rows, want 4", n)
	}
}

// TestCallbackBeforeRecord: a callback that arrives before the delivery stage recorded the
// send (the provider answered, the worker's record has not committed) is not dropped: the
// webhook answers 503 with Retry-After so the provider posts it again, and the retry
// applies. One that arrives while the record commits is held and applied at once.
func TestCallbackBeforeRecord(t *testing.T) {
	t.Parallel()
	h := newHarness(t)

	single := h.notification("email", "queued")
	ev := sgEvent("delivered", "sg-early", single.String())
	code, hdr := h.postSendGrid(ev)
	if code != http.StatusServiceUnavailable || hdr.Get("Retry-After") == "" {
		t.Fatalf("early callback: %d (Retry-After %q), want 503 with Retry-After", code, hdr.Get("Retry-After"))
	}
	if st, n := h.status(single); st != "queued" || n != 0 {
		t.Fatalf("after the early callback: %s with %d log rows; want queued, none", st, n)
	}
	// The record commits; the provider's retry applies.
	h.logEntry(single, "sendgrid", "sg-early")
	pgtest.Exec(t, h.pool, `UPDATE notifications.notifications SET status = 'sent' WHERE id = $1`, single)
	if code, _ := h.postSendGrid(ev); code != http.StatusNoContent {
		t.Fatalf("retried callback: %d", code)
	}
	if st, n := h.status(single); st != "delivered" || n != 2 {
		t.Errorf("after the retry: %s with %d log rows; want delivered, 2", st, n)
	}

	// A group member's early Twilio callback: 503 too.
	group := h.notification("sms", "queued")
	form := url.Values{"MessageSid": {"SMaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}, "MessageStatus": {"delivered"},
		"AccountSid": {h.fakes.Twilio.AccountSID()}, "To": {"+15005550006"}}
	req, err := h.fakes.Twilio.SignedCallbackRequest(h.ctx, h.srv.URL+"/v1/webhooks/twilio?novatrek_message_id="+
		url.QueryEscape(group.String()+"/STAFF:s-1"), form)
	if err != nil {
		t.Fatal(err)
	}
	if code, b := h.send(req); code != http.StatusServiceUnavailable {
		t.Fatalf("early twilio callback: %d %s, want 503", code, b)
	}

	// A callback that arrives while the record is being written is held, then applied.
	h.api.callbacks.wait = 10 * time.Second
	held := h.notification("email", "queued")
	recorded := make(chan struct{})
	var recordErr error
	go func() {
		defer close(recorded)
		// The worker's record, committed a little after the provider's answer (this delay
		// stands for the worker's round trips; the assertion does not depend on it).
		time.Sleep(300 * time.Millisecond)
		_, recordErr = h.pool.Exec(h.ctx, `WITH l AS (INSERT INTO notifications.delivery_log
				(notification_id, attempt, provider, status, provider_message_id) VALUES ($1, 1, 'sendgrid', 'sent', 'sg-held')),
			m AS (INSERT INTO notifications.delivery_members (notification_id, member, provider_message_id)
				VALUES ($1, 'GUEST:g-1', 'sg-held'))
			UPDATE notifications.notifications SET status = 'sent' WHERE id = $1`, held)
	}()
	code, _ = h.postSendGrid(sgEvent("delivered", "sg-held", held.String()))
	<-recorded
	if recordErr != nil {
		t.Fatal(recordErr)
	}
	if code != http.StatusNoContent {
		t.Fatalf("held callback: %d, want 204", code)
	}
	if st, _ := h.status(held); st != "delivered" {
		t.Errorf("held callback: row %s, want delivered", st)
	}
}

// TestCallbackSeesRecordCommittedDuringItsLockWait: a callback that waits for the row's
// lock held by the delivery stage's record (the row moving to sent and the member
// recorded, in one transaction) sees that member once the record commits, and applies.
// Looking the member up in the locking statement itself would use the snapshot taken
// before the wait: the member would look unknown and the delivered status be lost.
func TestCallbackSeesRecordCommittedDuringItsLockWait(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	id := h.notification("email", "queued")
	const member = "STAFF:s-1"

	record, err := h.pool.Begin(h.ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer record.Rollback(h.ctx)
	if _, err := record.Exec(h.ctx, `WITH l AS (INSERT INTO notifications.delivery_log
			(notification_id, attempt, provider, status, provider_message_id) VALUES ($1, 1, 'sendgrid', 'sent', 'sg-wait')),
		m AS (INSERT INTO notifications.delivery_members (notification_id, member, provider_message_id)
			VALUES ($1, $2, 'sg-wait'))
		UPDATE notifications.notifications SET status = 'sent' WHERE id = $1`, id, member); err != nil {
		t.Fatal(err)
	}

	type result struct {
		inFlight []provider.StatusUpdate
		err      error
	}
	applied := make(chan result, 1)
	go func() {
		in, err := h.api.callbacks.apply(h.ctx, provider.StatusUpdate{Provider: "sendgrid", Ref: id.String() + "/" + member,
			ProviderMessageID: "sg-wait", Status: provider.StatusDelivered})
		applied <- result{in, err}
	}()
	// Commit the record only once the callback waits for the row's lock.
	for waiting := false; !waiting; {
		if err := h.pool.QueryRow(h.ctx, `SELECT EXISTS (SELECT 1 FROM pg_stat_activity
			WHERE datname = current_database() AND wait_event_type = 'Lock')`).Scan(&waiting); err != nil {
			t.Fatal(err)
		}
		select {
		case r := <-applied:
			t.Fatalf("the callback did not wait for the record's lock: %+v", r)
		case <-time.After(10 * time.Millisecond):
		}
	}
	if err := record.Commit(h.ctx); err != nil {
		t.Fatal(err)
	}
	r := <-applied
	if r.err != nil || len(r.inFlight) != 0 {
		t.Fatalf("apply: in flight %+v, err %v; want applied", r.inFlight, r.err)
	}
	if got := h.memberStatus(id, member); got != "delivered" {
		t.Errorf("member after the callback: %s, want delivered", got)
	}
	if st, _ := h.status(id); st != "delivered" {
		t.Errorf("row after the callback: %s, want delivered", st)
	}
}

// TestWebhookKeepsOneNotificationsOrder: in one SendGrid post about one message, a bounce
// matched only by the provider's message id between two ref'd events is applied between
// them, as the provider sent them: processed, bounce (the row fails), delivered (too late
// to change a final status). Grouping the ref'd events ahead of the bounce made the row
// delivered.
func TestWebhookKeepsOneNotificationsOrder(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	id := h.notification("email", "sent")
	h.logEntry(id, "sendgrid", "sg-order")
	code, _ := h.postSendGrid(sgEvent("processed", "sg-order", id.String()), sgEvent("bounce", "sg-order", ""),
		sgEvent("delivered", "sg-order", id.String()))
	if code != http.StatusNoContent {
		t.Fatalf("post: %d", code)
	}
	if st, _ := h.status(id); st != "failed" {
		t.Errorf("row after processed, bounce, delivered: %s, want failed", st)
	}
	if evs := h.statusEvents(id); len(evs) != 1 || evs[0].Status != "BOUNCED" {
		t.Errorf("status events: %+v, want one BOUNCED", evs)
	}
}
