package intake_test

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/novatrek/support/internal/platform/runner"
	"github.com/novatrek/support/internal/platform/serde"
	"github.com/novatrek/support/internal/platform/stream"
	"github.com/novatrek/support/internal/platform/stream/streamtest"
	"github.com/novatrek/support/processors/notifications"
	"github.com/novatrek/support/processors/notifications/contact"
	"github.com/novatrek/support/processors/notifications/intake"
	"github.com/novatrek/support/processors/notifications/preference"
	"github.com/novatrek/support/processors/notifications/provider"
	"github.com/novatrek/support/processors/notifications/template"
	"github.com/novatrek/support/schemas"
)

// testNow is 03:00 UTC: inside quiet hours of 22:00-07:00 UTC.
var testNow = time.Date(2026, 1, 15, 3, 0, 0, 0, time.UTC)

// subject describes the intake to the contract suite (and to the tests here, which reuse its
// harness): inputs are notification requests; outputs are delivery status events.
func subject() streamtest.Subject {
	return streamtest.Subject{
		Group:  intake.Group,
		Schema: intake.Schema,
		Migrate: func(ctx context.Context, pool *pgxpool.Pool, _ string) error {
			if err := runner.Migrate(ctx, pool, slog.New(slog.DiscardHandler), notifications.Spec); err != nil {
				return err
			}
			return intake.SeedDefaults(ctx, pool)
		},
		Routes: func(_ string, enc *serde.Serde) ([]stream.Route, error) {
			emit, err := intake.NewEmitter(nil, enc, nil)
			if err != nil {
				return nil, err
			}
			p, err := intake.New(intake.Config{Emit: emit, Now: func() time.Time { return testNow }})
			if err != nil {
				return nil, err
			}
			return p.Routes(), nil
		},
		Input: intake.RequestTopic,
		Valid: func(i int) streamtest.Event {
			r := request(fmt.Sprint("valid-", i), "BOOKING_CONFIRMATION", "NORMAL", guest(id(fmt.Sprint("guest-", i))))
			return in(intake.RequestTopic, r.ReferenceID, r).event()
		},
		Failing: func(i int) streamtest.Event {
			// The second recipient's email breaks CHECK (char_length(address) <= 320) after the
			// first recipient's row and status event are written.
			long := string(make([]byte, 0, 400))
			for len(long) < 330 {
				long += "x"
			}
			bad := guest(id(fmt.Sprint("bad-", i)))
			bad.Email = str(long + "@example.com")
			r := request(fmt.Sprint("failing-", i), "INSURANCE_CONFIRMATION", "NORMAL", guest(id(fmt.Sprint("ok-", i))), bad)
			return in(intake.RequestTopic, r.ReferenceID, r).event()
		},
		Effects: func(ctx context.Context, pool *pgxpool.Pool, schema, eventID string) (int, error) {
			var n int
			err := pool.QueryRow(ctx, `SELECT count(*) FROM `+pgx.Identifier{schema, "intake_log"}.Sanitize()+
				` WHERE event_id = $1`, eventID).Scan(&n)
			return n, err
		},
		Outputs: []string{intake.StatusTopic},
	}
}

func TestContract(t *testing.T) { streamtest.Run(t, subject()) }

// rig is a running intake with its relay.
type rig struct{ *streamtest.Harness }

func newRig(t *testing.T) rig {
	h := streamtest.NewHarness(t, subject())
	h.StartRelay()
	return rig{h}
}

func (r rig) produce(ins ...input) {
	r.T.Helper()
	recs := make([]*kgo.Record, 0, len(ins))
	for _, i := range ins {
		b, err := r.Env.Serde.Encode(context.Background(), i.topic, i.schema, i.value)
		if err != nil {
			r.T.Fatalf("encode %s: %v", i.topic, err)
		}
		recs = append(recs, &kgo.Record{Topic: i.topic, Key: []byte(i.key), Value: b})
	}
	r.Produce(recs...)
}

// row is one stored notification, as the tests look at it.
type row struct {
	ID, Recipient, Channel, Status, Priority, Reason string
	DeferUntil                                       *time.Time
	TemplateVersion                                  *int64
	Body                                             string
}

func (r rig) rows(eventID string) []row {
	r.T.Helper()
	rows, err := r.Pool.Query(context.Background(), `SELECT id::text, recipient, channel, status, priority,
		status_reason, defer_until, template_version_id, body FROM notifications.notifications
		WHERE source_event_id = $1 ORDER BY recipient, channel`, eventID)
	if err != nil {
		r.T.Fatalf("read notifications: %v", err)
	}
	out, err := pgx.CollectRows(rows, func(cr pgx.CollectableRow) (row, error) {
		var x row
		err := cr.Scan(&x.ID, &x.Recipient, &x.Channel, &x.Status, &x.Priority, &x.Reason, &x.DeferUntil, &x.TemplateVersion, &x.Body)
		return x, err
	})
	if err != nil {
		r.T.Fatalf("read notifications: %v", err)
	}
	return out
}

// statusEvents waits for n delivery status events caused by eventID and decodes them.
func (r rig) statusEvents(eventID string, n int) []schemas.NotificationDeliveryStatusChanged {
	r.T.Helper()
	var recs []*kgo.Record
	streamtest.Eventually(r.T, fmt.Sprintf("%d status events of %s", n, eventID), func() (bool, error) {
		recs = r.Published(eventID)
		return len(recs) >= n, nil
	})
	out := make([]schemas.NotificationDeliveryStatusChanged, len(recs))
	for i, rec := range recs {
		if err := r.Env.Serde.Decode(context.Background(), rec.Value, out[i].Schema(), &out[i]); err != nil {
			r.T.Fatalf("decode status event: %v", err)
		}
		if string(rec.Key) != out[i].NotificationID {
			r.T.Errorf("status event key %q, want its notification id %s", rec.Key, out[i].NotificationID)
		}
	}
	return out
}

// TestRouting: each of the seven event types and each request kind produces one row per
// expected recipient and route channel, rendered with a recorded template version, and one
// decodable delivery status event per row.
func TestRouting(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	g1, g2, guide1, guide2, partner := id("g1"), id("g2"), id("guide1"), id("guide2"), id("partner")
	type tc struct {
		name       string
		in         input
		route      intake.Route
		recipients []string
	}
	ev := func(et string) intake.Route { return intake.EventRoutes[et].Route }
	topic := func(et string) string { return intake.EventRoutes[et].Topic }
	cases := []tc{
		{"reservation.status_changed", in(topic("reservation.status_changed"), "k", statusChanged("r1", g1)), ev("reservation.status_changed"), []string{"GUEST:" + g1}},
		{"checkin.completed", in(topic("checkin.completed"), "k", checkin("c1", g1)), ev("checkin.completed"), []string{"GUEST:" + g1}},
		{"schedule.published", in(topic("schedule.published"), "k", schedule("s1", guide1, guide2, guide1)), ev("schedule.published"), []string{"GUIDE:" + guide1, "GUIDE:" + guide2}},
		{"payment.processed", in(topic("payment.processed"), "k", payment("p1", g1, &partner)), ev("payment.processed"), []string{"GUEST:" + g1, "PARTNER:" + partner}},
		{"incident.reported", in(topic("incident.reported"), "k", incident("i1", g1, g2)), ev("incident.reported"), []string{"GUEST:" + g1, "GUEST:" + g2, "group:operations-staff", "group:safety-officers"}},
		{"emergency.triggered", in(topic("emergency.triggered"), "k", emergency("e1", true, []string{g1}, []string{guide1})), ev("emergency.triggered"), []string{"GUEST:" + g1, "GUIDE:" + guide1, "group:operations-staff", "group:rescue-team"}},
		{"emergency.triggered without rescue", in(topic("emergency.triggered"), "k", emergency("e2", false, []string{g1}, nil)), ev("emergency.triggered"), []string{"GUEST:" + g1, "group:operations-staff"}},
		{"wildlife_alert.issued", in(topic("wildlife_alert.issued"), "k", wildlife("w1")), ev("wildlife_alert.issued"), []string{"group:active-guides", "group:operations-staff"}},
	}
	// Every kind, to one guest; the kinds with fallback groups again without recipients.
	kinds := make([]string, 0, len(intake.KindRoutes))
	for k := range intake.KindRoutes {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	for _, k := range kinds {
		route := intake.KindRoutes[k]
		route.Kind = k
		req := request("kind-"+k, k, "NORMAL", guest(g2))
		cases = append(cases, tc{"request " + k, in(intake.RequestTopic, req.ReferenceID, req), route, []string{"GUEST:" + g2}})
		if len(route.Recipients) > 0 {
			req := request("kind-groups-"+k, k, "NORMAL")
			var want []string
			for _, s := range route.Recipients {
				want = append(want, string(s))
			}
			cases = append(cases, tc{"request " + k + " to its groups", in(intake.RequestTopic, req.ReferenceID, req), route, want})
		}
	}
	ins := make([]input, len(cases))
	for i, c := range cases {
		ins[i] = c.in
	}
	r.produce(ins...)

	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r.WaitApplied(c.in.eventID)
			var want []string
			for _, rc := range c.recipients {
				for _, ch := range c.route.Channels {
					want = append(want, rc+" "+string(ch))
				}
			}
			sort.Strings(want)
			rows := r.rows(c.in.eventID)
			var got []string
			for _, x := range rows {
				got = append(got, x.Recipient+" "+x.Channel)
				if x.Status != "pending" || x.Priority != string(c.route.Priority) || x.TemplateVersion == nil || x.Body == "" {
					t.Errorf("row %+v: want pending, priority %s, rendered with a recorded template version", x, c.route.Priority)
				}
			}
			sort.Strings(got)
			if !slices.Equal(got, want) {
				t.Fatalf("rows (recipient channel):\n got %q\nwant %q", got, want)
			}
			evs := r.statusEvents(c.in.eventID, len(rows))
			if len(evs) != len(rows) {
				t.Fatalf("%d status events for %d rows", len(evs), len(rows))
			}
			ids := map[string]bool{}
			for _, x := range rows {
				ids[x.ID] = true
			}
			for _, e := range evs {
				if !ids[e.NotificationID] || e.Status != "PENDING" || e.Kind != c.route.Kind || e.Attempt != 0 {
					t.Errorf("status event %+v does not match a row (want PENDING, kind %s)", e, c.route.Kind)
				}
			}
		})
	}
}

// TestPreferences: routine messages honor opt-outs (suppressed, with a status event saying
// so) and quiet hours (deferred to their end, in-app excepted); safety-critical events
// bypass both. CRITICAL requests of other categories do not (TestCriticalUrgencyOnlyChoosesTheLane).
func TestPreferences(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	ctx := context.Background()
	quiet, optedOut := id("quiet"), id("opted-out")
	if _, err := preference.Put(ctx, r.Pool, preference.Preferences{RecipientID: quiet, TimeZone: "UTC",
		QuietHours: &preference.QuietHours{Start: preference.At(22, 0), End: preference.At(7, 0)}}); err != nil {
		t.Fatal(err)
	}
	if _, err := preference.Put(ctx, r.Pool, preference.Preferences{RecipientID: optedOut, TimeZone: "UTC",
		OptedOutChannels: []provider.Channel{provider.Email, provider.SMS, provider.Push}}); err != nil {
		t.Fatal(err)
	}
	routineQuiet := statusChanged("pref-routine-quiet", quiet)
	routineOut := request("pref-routine-out", "BOOKING_CONFIRMATION", "NORMAL", guest(optedOut))
	emerg := emergency("pref-emergency", false, []string{quiet, optedOut}, nil)
	r.produce(
		in(intake.EventRoutes["reservation.status_changed"].Topic, "k", routineQuiet),
		in(intake.RequestTopic, routineOut.ReferenceID, routineOut),
		in(intake.EventRoutes["emergency.triggered"].Topic, "k", emerg),
	)
	end := time.Date(2026, 1, 15, 7, 0, 0, 0, time.UTC)

	t.Run("quiet hours defer routine", func(t *testing.T) {
		r.WaitApplied(routineQuiet.Metadata.EventID)
		for _, x := range r.rows(routineQuiet.Metadata.EventID) {
			if x.Channel == "in_app" {
				if x.Status != "pending" {
					t.Errorf("in-app row %+v: want pending (the inbox is never deferred)", x)
				}
				continue
			}
			if x.Status != "deferred" || x.DeferUntil == nil || !x.DeferUntil.Equal(end) {
				t.Errorf("row %+v: want deferred until %s", x, end)
			}
		}
	})
	t.Run("opt-out suppresses routine", func(t *testing.T) {
		r.WaitApplied(routineOut.Metadata.EventID)
		rows := r.rows(routineOut.Metadata.EventID)
		for _, x := range rows {
			want := "pending"
			if x.Channel == "email" {
				want = "suppressed"
			}
			if x.Status != want || (want == "suppressed" && x.Reason == "") {
				t.Errorf("row %+v: want %s with a reason", x, want)
			}
		}
		var suppressed int
		for _, e := range r.statusEvents(routineOut.Metadata.EventID, len(rows)) {
			if e.Status == "SUPPRESSED" {
				suppressed++
				if e.ErrorMessage == nil || *e.ErrorMessage == "" {
					t.Errorf("suppressed status event without a reason: %+v", e)
				}
			}
		}
		if suppressed != 1 {
			t.Errorf("%d SUPPRESSED status events, want 1 (email)", suppressed)
		}
	})
	for name, ev := range map[string]string{"emergency bypasses": emerg.Metadata.EventID} {
		t.Run(name, func(t *testing.T) {
			r.WaitApplied(ev)
			rows := r.rows(ev)
			n := 0
			for _, x := range rows {
				if x.Recipient != "GUEST:"+quiet && x.Recipient != "GUEST:"+optedOut {
					continue
				}
				n++
				if x.Status != "pending" || x.DeferUntil != nil || x.Priority != "emergency" {
					t.Errorf("row %+v: want pending now in the emergency lane", x)
				}
			}
			if n == 0 {
				t.Fatal("no rows for the two guests")
			}
		})
	}
}

// TestIdempotent: the same event twice gives one notification per recipient and channel and
// one status event each — through the inbox, and through the unique key when the inbox has
// forgotten the event (e.g. pruned after its retention).
func TestIdempotent(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	ev := emergency("dup", true, []string{id("dup-guest")}, nil)
	i := in(intake.EventRoutes["emergency.triggered"].Topic, "k", ev)
	r.produce(i, i)
	r.WaitApplied(ev.Metadata.EventID)
	rows := r.rows(ev.Metadata.EventID)
	if want := 3 * 4; len(rows) != want { // guest, operations staff, rescue team × 4 channels
		t.Fatalf("%d rows, want %d", len(rows), want)
	}
	if _, err := r.Pool.Exec(context.Background(), `DELETE FROM notifications.inbox WHERE event_id = $1`, ev.Metadata.EventID); err != nil {
		t.Fatal(err)
	}
	marker := wildlife("dup-marker")
	r.produce(i, in(intake.EventRoutes["wildlife_alert.issued"].Topic, "k", marker))
	r.WaitApplied(marker.Metadata.EventID)
	streamtest.Eventually(t, "second intake of the event", func() (bool, error) {
		return r.Effects(ev.Metadata.EventID) == 2, nil
	})
	if got := r.rows(ev.Metadata.EventID); len(got) != len(rows) {
		t.Errorf("after a redelivery past the inbox: %d rows, want %d", len(got), len(rows))
	}
	r.statusEvents(marker.Metadata.EventID, 1)
	streamtest.Eventually(t, "outbox drained", func() (bool, error) { return r.OutboxRows(ev.Metadata.EventID) == 0, nil })
	if n := len(r.Published(ev.Metadata.EventID)); n != len(rows) {
		t.Errorf("%d status events published, want %d (one per notification)", n, len(rows))
	}
}

// TestContactLocale: a request without a locale renders each person in their contact's
// locale (falling back to en where no template exists); a contact with a locale that is not
// a BCP 47 tag, or no contact at all, gets en.
func TestContactLocale(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	ctx := context.Background()
	fr, de, odd, none := id("loc-fr"), id("loc-de"), id("loc-odd"), id("loc-none")
	for gid, locale := range map[string]string{fr: "fr-CA", de: "de"} {
		if _, err := contact.Put(ctx, r.Pool, contact.Recipient{Type: "GUEST", ID: gid}, contact.Contact{Locale: locale}, "test"); err != nil {
			t.Fatal(err)
		}
	}
	// As guest.registered may store it: not a tag.
	if _, err := r.Pool.Exec(ctx, `INSERT INTO notifications.contacts (recipient_type, recipient_id, locale, updated_at)
		VALUES ('GUEST', $1, 'Français', now())`, odd); err != nil {
		t.Fatal(err)
	}
	for _, ch := range []provider.Channel{provider.Email, provider.InApp} {
		if _, err := template.Publish(ctx, r.Pool, template.Draft{
			Key:     template.Key{Name: "booking-confirmation", Channel: ch, Locale: "fr"},
			Subject: "Réservation confirmée", Body: "Votre réservation {{.reference_id}} est confirmée.",
			Variables: []string{"reference_id"}, SampleData: map[string]any{"reference_id": "r-1"},
		}); err != nil {
			t.Fatal(err)
		}
	}
	req := request("locale", "BOOKING_CONFIRMATION", "NORMAL", guest(fr), guest(de), guest(odd), guest(none))
	r.produce(in(intake.RequestTopic, req.ReferenceID, req))
	r.WaitApplied(req.Metadata.EventID)
	rows := r.rows(req.Metadata.EventID)
	if len(rows) != 8 {
		t.Fatalf("%d rows, want 4 guests × 2 channels", len(rows))
	}
	for _, x := range rows {
		french := strings.HasPrefix(x.Body, "Votre réservation")
		if want := x.Recipient == "GUEST:"+fr; french != want {
			t.Errorf("%s %s body %q: french %v, want %v", x.Recipient, x.Channel, x.Body, french, want)
		}
	}
}
