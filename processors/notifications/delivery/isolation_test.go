package delivery

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/novatrek/support/internal/dev/fakes/providerfake"
	"github.com/novatrek/support/processors/notifications/provider"
	"github.com/novatrek/support/processors/notifications/provider/twilio"
)

// insertSMS adds one pending SMS row of priority to phone and returns its id.
func (r *rig) insertSMS(phone, priority string) string {
	r.t.Helper()
	id := uuid.NewString()
	if _, err := r.pool.Exec(context.Background(), `INSERT INTO notifications.notifications (id, source_event_id,
		source_topic, kind, recipient, recipient_type, recipient_id, address, channel, category, locale,
		template_name, subject, body, priority, status) VALUES ($1, $2, 't', 'EMERGENCY_ALERT', $3, 'GUEST', $4,
		$4, 'sms', 'safety', 'en', 'emergency', '', 'Evacuate', $5, 'pending')`,
		id, uuid.NewString(), "GUEST:"+phone, phone, priority); err != nil {
		r.t.Fatal(err)
	}
	return id
}

// TestEmailOutageDoesNotStallOtherChannels: SendGrid is down with email jobs in both lanes
// (one emergency worker, two routine workers); an emergency SMS and a routine SMS
// inserted while the email circuit is open still go out (a Nacked email job would come back
// to the same worker first and hold it for the whole outage). The emails refused by the
// open circuit wait as deferred rows (not queued ones the sweeper would republish), and
// after recovery every email is delivered exactly once.
func TestEmailOutageDoesNotStallOtherChannels(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	tw := providerfake.NewTwilio(providerfake.TwilioConfig{})
	srv := httptest.NewServer(tw)
	t.Cleanup(srv.Close)
	t.Cleanup(tw.Close)
	sms, err := twilio.New(twilio.Config{BaseURL: srv.URL, AccountSID: tw.AccountSID(),
		AuthToken: provider.NewSecret(tw.AuthToken()), From: "+15005550006", Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	r.fake.StartOutage(503)
	r.insert(4, "routine")
	r.insert(2, "emergency")
	cfg := r.cfg
	cfg.Senders = map[provider.Channel]provider.Sender{provider.Email: r.cfg.Senders[provider.Email], provider.SMS: sms}
	cfg.EmergencyWorkers, cfg.RoutineWorkers = 1, 2
	cfg.BreakerFailures, cfg.BreakerOpenFor = 2, time.Second
	cfg.MaxAttempts = 1000 // this test is about waiting, not giving up
	d := r.run(cfg)
	email := d.senders[provider.Email].(*breakerSender)
	r.eventually("the email circuit opens and refuses a job", func() bool { return email.open() && email.rejected.Load() > 0 })

	emergency := r.insertSMS("+15005550100", "emergency")
	routine := r.insertSMS("+15005550101", "routine")
	r.eventually("both SMS sent during the email outage", func() bool {
		return r.statusOf(emergency) == "sent" && r.statusOf(routine) == "sent"
	})
	if got := tw.AcceptedFor("+15005550100") + tw.AcceptedFor("+15005550101"); got != 2 {
		t.Fatalf("Twilio accepted %d messages, want 2", got)
	}
	if got := r.fake.AcceptedTotal(); got != 0 {
		t.Fatalf("SendGrid accepted %d messages during its outage", got)
	}
	// A row the open circuit refused is deferred until the circuit reopens: the sweeper,
	// which only republishes queued rows, leaves it alone.
	r.eventually("a refused email deferred", func() bool {
		return r.countWhere(`SELECT count(*) FROM notifications.notifications WHERE channel = 'email'
			AND status = 'deferred' AND defer_until IS NOT NULL AND status_reason = 'provider circuit open'`) > 0
	})

	r.fake.Heal()
	r.eventually("all emails sent", func() bool {
		return r.countWhere(`SELECT count(*) FROM notifications.notifications WHERE channel = 'email'
			AND status = 'sent'`) == 6
	})
	if d := r.fake.Duplicates(); len(d) > 0 {
		t.Fatalf("emails delivered more than once: %v", d)
	}
	if got := r.fake.AcceptedTotal(); got != 6 {
		t.Fatalf("SendGrid accepted %d, want 6", got)
	}
	if got := r.countWhere(`SELECT count(*) FROM notifications.outbox`); got != 8 {
		t.Fatalf("%d status events, want 8 (one SENT per row)", got)
	}
}
