package simulate

import (
	"bytes"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/novatrek/support/internal/platform/event"
	"github.com/novatrek/support/internal/platform/topology"
	"github.com/novatrek/support/schemas"
)

func topo(t testing.TB) *topology.Topology {
	t.Helper()
	tp, err := topology.Default()
	if err != nil {
		t.Fatal(err)
	}
	return tp
}

// generate returns n events of seed, one millisecond apart from a fixed start.
func generate(t testing.TB, seed string, n int) []Event {
	t.Helper()
	g, err := NewGenerator(seed, topo(t))
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 7, 1, 8, 0, 0, 0, time.UTC)
	out := make([]Event, n)
	for i := range out {
		if out[i], err = g.Next(start.Add(time.Duration(i) * time.Millisecond)); err != nil {
			t.Fatalf("event %d: %v", i, err)
		}
	}
	return out
}

// TestGeneratorEventsAreWellFormed: every event goes to a topic of topics.yaml whose schema
// is its type, from one of the topic's producers, keyed by the topic's key field, with
// unique event ids, and encodes with its schema.
func TestGeneratorEventsAreWellFormed(t *testing.T) {
	t.Parallel()
	tp := topo(t)
	ids := map[string]bool{}
	for i, ev := range generate(t, "well-formed", 5000) {
		top, ok := tp.Topic(ev.Topic)
		if !ok {
			t.Fatalf("event %d: topic %s not in topics.yaml", i, ev.Topic)
		}
		if want, _ := schemas.New(top.ValueSchema); want == nil || want.Schema().(interface{ FullName() string }).FullName() != ev.Value.Schema().(interface{ FullName() string }).FullName() {
			t.Fatalf("event %d on %s: type %T is not the topic's schema %s", i, ev.Topic, ev.Value, top.ValueSchema)
		}
		m := ev.Value.EventMeta()
		if !slices.Contains(top.Producers, m.Producer) {
			t.Errorf("event %d on %s: producer %s is not one of %v", i, ev.Topic, m.Producer, top.Producers)
		}
		if m.EventID == "" || ids[m.EventID] {
			t.Fatalf("event %d: event id %q empty or repeated", i, m.EventID)
		}
		ids[m.EventID] = true
		if m.EventType == "" || m.CorrelationID == "" || m.OccurredAt.IsZero() {
			t.Errorf("event %d: metadata incomplete: %+v", i, m)
		}
		key, err := event.Key(ev.Value, top.Key)
		if err != nil || key != ev.Key {
			t.Errorf("event %d on %s: key %q, field %s = %q (%v)", i, ev.Topic, ev.Key, top.Key, key, err)
		}
		if _, err := ev.Value.Marshal(); err != nil {
			t.Fatalf("event %d on %s: encode: %v", i, ev.Topic, err)
		}
	}
}

// TestGeneratorFlowsAreConsistent follows every id: a reservation's guest registered
// before it, status changes walk the lifecycle from the reservation's creation, a check-in
// is of a CONFIRMED reservation, a trip completes only after its check-in, requests about
// reservations name existing ones, and every kind of traffic appears.
func TestGeneratorFlowsAreConsistent(t *testing.T) {
	t.Parallel()
	guests := map[string]bool{}
	status := map[string]string{} // reservation -> current status
	checkedIn := map[string]bool{}
	byTopic := map[string]int{}
	kinds := map[string]int{}
	valid := map[string][]string{
		"PENDING":   {"CONFIRMED", "CANCELLED"},
		"CONFIRMED": {"CANCELLED", "COMPLETED", "NO_SHOW"},
		"COMPLETED": {"CANCELLED"}, // a refund after the trip (loyalty reverses its points)
	}
	for i, ev := range generate(t, "flows", 30000) {
		byTopic[ev.Topic]++
		switch v := ev.Value.(type) {
		case *schemas.GuestRegistered:
			guests[v.GuestID] = true
		case *schemas.ReservationCreated:
			if !guests[v.GuestID] {
				t.Fatalf("event %d: reservation %s of unregistered guest %s", i, v.ReservationID, v.GuestID)
			}
			if v.Status != "PENDING" || status[v.ReservationID] != "" {
				t.Fatalf("event %d: reservation %s created twice or not PENDING", i, v.ReservationID)
			}
			status[v.ReservationID] = "PENDING"
		case *schemas.ReservationStatusChanged:
			cur := status[v.ReservationID]
			if cur == "" || v.PreviousStatus != cur || !slices.Contains(valid[cur], v.NewStatus) {
				t.Fatalf("event %d: reservation %s: %s -> %s, but it is %q", i, v.ReservationID, v.PreviousStatus, v.NewStatus, cur)
			}
			if (v.NewStatus == "COMPLETED") != checkedIn[v.ReservationID] && v.NewStatus != "CANCELLED" {
				t.Fatalf("event %d: reservation %s: %s with checked in = %v", i, v.ReservationID, v.NewStatus, checkedIn[v.ReservationID])
			}
			if v.NewStatus == "CANCELLED" && checkedIn[v.ReservationID] && cur != "COMPLETED" {
				t.Fatalf("event %d: reservation %s cancelled after check-in", i, v.ReservationID)
			}
			status[v.ReservationID] = v.NewStatus
		case *schemas.CheckinCompleted:
			if status[v.ReservationID] != "CONFIRMED" || checkedIn[v.ReservationID] {
				t.Fatalf("event %d: check-in of reservation %s in status %q (checked in before: %v)", i, v.ReservationID, status[v.ReservationID], checkedIn[v.ReservationID])
			}
			checkedIn[v.ReservationID] = true
		case *schemas.IncidentReported:
			if v.ReservationID != nil && !checkedIn[*v.ReservationID] {
				t.Fatalf("event %d: incident about reservation %s, which is not on its trip", i, *v.ReservationID)
			}
		case *schemas.NotificationRequested:
			kinds[v.Kind]++
			switch v.Kind {
			case "BOOKING_CONFIRMATION", "INSURANCE_CONFIRMATION", "PARTNER_CONFIRMATION", "CHECKIN_CONFIRMATION",
				"WAIVER_COPY", "TRANSPORT_DETAILS", "RESERVATION_STATUS_UPDATE", "AFFECTED_PARTIES_UPDATE":
				if status[v.ReferenceID] == "" {
					t.Fatalf("event %d: %s request about unknown reservation %s", i, v.Kind, v.ReferenceID)
				}
			}
		}
	}
	for _, topic := range Topics(topo(t)) {
		if byTopic[topic] == 0 {
			t.Errorf("no event on %s in 30000", topic)
		}
	}
	for _, k := range []string{"BOOKING_CONFIRMATION", "INSURANCE_CONFIRMATION", "PARTNER_CONFIRMATION", "CHECKIN_CONFIRMATION",
		"WAIVER_COPY", "TRANSPORT_DETAILS", "RESERVATION_STATUS_UPDATE", "AFFECTED_PARTIES_UPDATE", "GUIDE_ASSIGNMENT",
		"SAFETY_ALERT", "EMERGENCY_ALERT", "WILDLIFE_ALERT", "PARK_RANGER_ALERT"} {
		if kinds[k] == 0 {
			t.Errorf("no %s request in 30000 events", k)
		}
	}
	// The mix: bookings dominate, safety is rare.
	created, emergencies := byTopic["novatrek.booking.reservation.created"], byTopic["novatrek.safety.emergency.triggered"]
	if created < 2000 || emergencies == 0 || emergencies*200 > created {
		t.Errorf("mix: %d reservations created, %d emergencies in 30000 events: %v", created, emergencies, byTopic)
	}
	completed := 0
	for _, s := range status {
		if s == "COMPLETED" {
			completed++
		}
	}
	if completed < created/2 {
		t.Errorf("only %d of %d reservations completed", completed, created)
	}
	t.Logf("by topic: %v", byTopic)
}

// TestGeneratorIsDeterministic: the same seed and times give equal events (compared as JSON:
// Avro writes map entries in Go's random map order); another seed gives other ids.
func TestGeneratorIsDeterministic(t *testing.T) {
	t.Parallel()
	a, b, c := generate(t, "seed-1", 2000), generate(t, "seed-1", 2000), generate(t, "seed-2", 2000)
	for i := range a {
		ab, _ := json.Marshal(a[i].Value)
		bb, _ := json.Marshal(b[i].Value)
		if a[i].Topic != b[i].Topic || a[i].Key != b[i].Key || !bytes.Equal(ab, bb) {
			t.Fatalf("event %d differs between two runs of the same seed: %s/%s vs %s/%s", i, a[i].Topic, a[i].Key, b[i].Topic, b[i].Key)
		}
	}
	if a[0].Value.EventMeta().EventID == c[0].Value.EventMeta().EventID {
		t.Fatal("seeds seed-1 and seed-2 gave the same first event id")
	}
}

func TestParseRate(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]float64{"5/s": 5, "5": 5, "0.5": 0.5, "300/m": 5, "3600/h": 1, "0": 0, " 10 / s ": 10} {
		if got, err := ParseRate(in); err != nil || got != want {
			t.Errorf("ParseRate(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "fast", "-1/s", "5/d", "Inf", "NaN/s"} {
		if _, err := ParseRate(in); err == nil {
			t.Errorf("ParseRate(%q) accepted", in)
		}
	}
}
