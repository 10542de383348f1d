package standin

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/novatrek/support/internal/dev/simulate"
	"github.com/novatrek/support/internal/platform/problem"
	"github.com/novatrek/support/internal/platform/topology"
	"github.com/novatrek/support/internal/testkit/kafkatest"
	"github.com/novatrek/support/schemas"
)

func get(t *testing.T, url string, v any) int {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK && !problem.Is(resp.Header.Get("Content-Type")) {
		t.Errorf("GET %s: %d with content type %q; want a problem", url, resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if v != nil && resp.StatusCode == http.StatusOK {
		if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
			t.Fatalf("GET %s: %v", url, err)
		}
	}
	return resp.StatusCode
}

// TestStandInsAnswerFromPublishedEvents publishes simulated traffic and checks that the
// stand-ins answer 404 before and, after, what the events said: every reservation's final
// status, check-ins, guests.
func TestStandInsAnswerFromPublishedEvents(t *testing.T) {
	t.Parallel()
	topo, err := topology.Default()
	if err != nil {
		t.Fatal(err)
	}
	env := kafkatest.New(t, kfake.SeedTopics(3, simulate.Topics(topo)...))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	store := NewStore()
	c, err := NewConsumer(store, env.Serde, topo, nil, kgo.SeedBrokers(env.Brokers...))
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	srv := httptest.NewServer(Handler(store))
	defer srv.Close()

	g, err := simulate.NewGenerator("standins", topo)
	if err != nil {
		t.Fatal(err)
	}
	var evs []simulate.Event
	status := map[string]string{}
	checkedIn := map[string]bool{}
	var aGuest string
	start := time.Date(2026, 7, 1, 8, 0, 0, 0, time.UTC)
	for i := range 1500 {
		ev, err := g.Next(start.Add(time.Duration(i) * time.Millisecond))
		if err != nil {
			t.Fatal(err)
		}
		evs = append(evs, ev)
		switch v := ev.Value.(type) {
		case *schemas.ReservationCreated:
			status[v.ReservationID] = v.Status
		case *schemas.ReservationStatusChanged:
			status[v.ReservationID] = v.NewStatus
		case *schemas.CheckinCompleted:
			checkedIn[v.ReservationID] = true
		case *schemas.GuestRegistered:
			aGuest = v.GuestID
		}
	}
	var completed string
	for id, s := range status {
		if s == "COMPLETED" {
			completed = id
		}
	}
	if completed == "" || aGuest == "" {
		t.Fatal("the simulated traffic has no completed reservation or no guest")
	}

	if code := get(t, srv.URL+"/svc-reservations/v1/reservations/"+completed, nil); code != http.StatusNotFound {
		t.Fatalf("before publishing: %d; want 404", code)
	}
	if code := get(t, srv.URL+"/svc-guest-profiles/v1/guests/"+aGuest, nil); code != http.StatusNotFound {
		t.Fatalf("guest before publishing: %d; want 404", code)
	}

	if err := simulate.NewKafkaSink(env.Client(t), env.Serde).SendAll(ctx, evs); err != nil {
		t.Fatalf("publishing the simulated events: %v", err)
	}

	deadline := time.Now().Add(30 * time.Second)
	for {
		wrong := 0
		for id, s := range status {
			if r, ok := store.Reservation(id); !ok || r.Status != s || r.CheckedIn != checkedIn[id] {
				wrong++
			}
		}
		if wrong == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d reservations still not as published", wrong, len(status))
		}
		time.Sleep(20 * time.Millisecond)
	}

	var r Reservation
	if code := get(t, srv.URL+"/svc-reservations/v1/reservations/"+completed, &r); code != http.StatusOK {
		t.Fatalf("completed reservation: %d", code)
	}
	if r.Status != "COMPLETED" || !r.CheckedIn || r.GuestID == "" || r.TripID == "" || r.CreatedAt == nil {
		t.Fatalf("completed reservation: %+v", r)
	}
	// svc-loyalty-rewards' rules multiply by the trip type, which no event carries.
	if want := simulate.TripType(r.TripID); r.TripType != want || want == "" {
		t.Fatalf("completed reservation of %s: trip_type %q, want %q", r.TripID, r.TripType, want)
	}
	var gu Guest
	if code := get(t, srv.URL+"/svc-guest-profiles/v1/guests/"+r.GuestID, &gu); code != http.StatusOK || gu.GuestID != r.GuestID || gu.Email == "" {
		t.Fatalf("guest of the completed reservation: %d %+v", code, gu)
	}

	if code := get(t, srv.URL+"/svc-reservations/v1/reservations/not-a-uuid", nil); code != http.StatusBadRequest {
		t.Errorf("malformed id: %d; want 400", code)
	}
	var it Item
	if code := get(t, srv.URL+"/svc-gear-inventory/v1/items/GEAR-TENT-2P", &it); code != http.StatusOK || !it.Active {
		t.Errorf("catalog item: %d %+v", code, it)
	}
	if code := get(t, srv.URL+"/svc-gear-inventory/v1/items/GEAR-NOPE", nil); code != http.StatusNotFound {
		t.Errorf("unknown item: %d; want 404", code)
	}
	if code := get(t, srv.URL+"/svc-reservations/v2/whatever", nil); code != http.StatusNotFound {
		t.Errorf("unknown path: %d; want 404", code)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("consumer: %v", err)
	}
}

// TestStoreKeepsTheLatestStatus: a created event read after a later status change (they
// travel on different topics) does not turn the reservation back to PENDING.
func TestStoreKeepsTheLatestStatus(t *testing.T) {
	t.Parallel()
	s := NewStore()
	t0 := time.Date(2026, 7, 1, 8, 0, 0, 0, time.UTC)
	s.Apply(&schemas.ReservationStatusChanged{Metadata: schemas.EventMetadata{OccurredAt: t0.Add(time.Minute)},
		ReservationID: "r1", GuestID: "g1", TripID: "T", PreviousStatus: "PENDING", NewStatus: "CONFIRMED"})
	s.Apply(&schemas.ReservationCreated{Metadata: schemas.EventMetadata{OccurredAt: t0},
		ReservationID: "r1", GuestID: "g1", TripID: "T", Status: "PENDING"})
	r, ok := s.Reservation("r1")
	if !ok || r.Status != "CONFIRMED" || r.CreatedAt == nil {
		t.Fatalf("reservation: %+v", r)
	}
}

// TestStandInsAreOtherDomainsServices: every stood-in service is one topics.yaml declares,
// and not one of ours (ours are built, not stood in for); the prefixes and routes are
// derived from those names.
func TestStandInsAreOtherDomainsServices(t *testing.T) {
	t.Parallel()
	topo, err := topology.Default()
	if err != nil {
		t.Fatal(err)
	}
	services := Services()
	if len(services) == 0 {
		t.Fatal("no stand-ins")
	}
	for i, name := range services {
		s, ok := topo.Service(name)
		switch {
		case !ok:
			t.Errorf("stand-in %s is not a service topics.yaml declares", name)
		case s.Ours:
			t.Errorf("stand-in %s is one of our services in topics.yaml", name)
		}
		if p := Prefixes()[i]; p != "/"+name+"/" {
			t.Errorf("prefix %q of %s; want /%s/", p, name, name)
		}
	}
	for _, r := range Routes() {
		_, path, _ := strings.Cut(r, " ")
		if !slices.ContainsFunc(Prefixes(), func(p string) bool { return strings.HasPrefix(path, p) }) {
			t.Errorf("route %s is under no stand-in's prefix", r)
		}
	}
}

// TestStandInTopicsComeFromTheTopology: the stand-ins consume the topics topics.yaml gives
// the schemas the Store applies, and refuse a topology where one of them has no topic.
func TestStandInTopicsComeFromTheTopology(t *testing.T) {
	t.Parallel()
	topo, err := topology.Default()
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"novatrek.booking.reservation.created", "novatrek.booking.reservation.status-changed",
		"novatrek.guest-identity.guest.registered", "novatrek.operations.checkin.completed"}
	if got := Topics(topo); !slices.Equal(got, want) {
		t.Errorf("Topics = %q; want %q", got, want)
	}
	without := &topology.Topology{Services: topo.Services}
	for _, tp := range topo.Topics {
		if tp.ValueSchema != "checkin_completed" {
			without.Topics = append(without.Topics, tp)
		}
	}
	if _, err := NewConsumer(NewStore(), nil, without, nil); err == nil || !strings.Contains(err.Error(), "checkin_completed") {
		t.Errorf("NewConsumer without a checkin topic = %v; want an error naming checkin_completed", err)
	}
}
