package reviews

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/novatrek/support/internal/dev/standin"
	"github.com/novatrek/support/internal/testkit/servicetest"
	"github.com/novatrek/support/schemas"
)

// rig is svc-reviews running on its own database and Kafka, with the dev stand-ins of
// svc-reservations and svc-guest-profiles answering its calls over HTTP (503 to every call
// under the path prefix in down: "/" for both), and every API response checked against
// openapi.json.
type rig struct {
	t        *testing.T
	svc      *servicetest.Service[*app]
	standins *standin.Store
	down     atomic.Value // string
	calls    atomic.Int64
}

func newRig(t *testing.T, opts ...servicetest.Option) *rig {
	t.Helper()
	rg := &rig{t: t, standins: standin.NewStore()}
	h := standin.Handler(rg.standins)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rg.calls.Add(1)
		if prefix, _ := rg.down.Load().(string); prefix != "" && strings.HasPrefix(r.URL.Path, prefix) {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	opts = append([]servicetest.Option{servicetest.WithOpenAPICheck(), servicetest.WithEnv(
		"REVIEWS_RESERVATIONS_URL", srv.URL+"/svc-reservations",
		"REVIEWS_GUEST_PROFILES_URL", srv.URL+"/svc-guest-profiles",
		"REVIEWS_RESERVATIONS_TIMEOUT", "2s", "REVIEWS_GUEST_PROFILES_TIMEOUT", "2s")}, opts...)
	rg.svc = servicetest.Start(t, Spec, opts...)
	return rg
}

// statusEvent is reservation.status-changed of res to status at.
func statusEvent(res, guest, trip, status string, at time.Time) *schemas.ReservationStatusChanged {
	return &schemas.ReservationStatusChanged{Metadata: schemas.EventMetadata{EventID: uuid.NewString(),
		EventType: "reservation.status-changed", OccurredAt: at.UTC().Truncate(time.Millisecond), Producer: "svc-reservations",
		CorrelationID: uuid.NewString()}, ReservationID: res, GuestID: guest, TripID: trip,
		DepartureDate: time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC), PreviousStatus: "CONFIRMED", NewStatus: status}
}

// booked tells the stand-ins (only: the service has not seen it) that guest registered and
// has reservation res of trip in status; it returns res.
func (rg *rig) booked(guest, trip, status string) string {
	res := uuid.NewString()
	rg.registered(guest)
	rg.standins.Apply(statusEvent(res, guest, trip, status, time.Now()))
	return res
}

func (rg *rig) registered(guest string) {
	rg.standins.Apply(&schemas.GuestRegistered{Metadata: schemas.EventMetadata{EventID: uuid.NewString(), OccurredAt: time.Now()},
		GuestID: guest, Email: "guest@example.com", FirstName: "Test", LastName: "Guest"})
}

// published publishes the status event to the service and waits until it is applied.
func (rg *rig) published(ev *schemas.ReservationStatusChanged) {
	rg.svc.Publish(TopicReservationStatus, ev.ReservationID, ev)
	rg.svc.AwaitApplied(ev.Metadata.EventID)
}

// completedHere makes res of guest COMPLETED in the service's own copy (through the event)
// and in the stand-ins; it returns res.
func (rg *rig) completedHere(guest, trip string) string {
	res := rg.booked(guest, trip, statusCompleted)
	rg.published(statusEvent(res, guest, trip, statusCompleted, time.Now()))
	return res
}

// submit posts a review of res as guest.
func (rg *rig) submit(guest, res string, rating int, title, body string, extra ...any) *servicetest.Response {
	req := map[string]any{"reservation_id": res, "rating": rating, "body": body}
	if title != "" {
		req["title"] = title
	}
	for i := 0; i+1 < len(extra); i += 2 {
		req[extra[i].(string)] = extra[i+1]
	}
	return rg.svc.Call(servicetest.Guest(guest), "POST", "/v1/reviews", req)
}

// mustSubmit submits and fails the test unless it is created; it returns the review.
func (rg *rig) mustSubmit(guest, res string, rating int, title, body string, extra ...any) reviewView {
	rg.t.Helper()
	resp := rg.submit(guest, res, rating, title, body, extra...)
	if resp.Status != http.StatusCreated {
		rg.t.Fatalf("submit: %d %s", resp.Status, resp.Body)
	}
	var v reviewView
	resp.JSON(rg.t, &v)
	return v
}

// count is a count(*) query's answer.
func (rg *rig) count(query string, args ...any) int {
	rg.t.Helper()
	var n int
	if err := rg.svc.DB.QueryRow(context.Background(), query, args...).Scan(&n); err != nil {
		rg.t.Fatalf("%s: %v", query, err)
	}
	return n
}

// wantProblem fails unless resp has status and its body holds each of parts.
func wantProblem(t *testing.T, what string, resp *servicetest.Response, status int, parts ...string) {
	t.Helper()
	if resp.Status != status {
		t.Errorf("%s: status %d %s; want %d", what, resp.Status, resp.Body, status)
		return
	}
	for _, p := range parts {
		if !strings.Contains(string(resp.Body), p) {
			t.Errorf("%s: body %s lacks %s", what, resp.Body, p)
		}
	}
}

func tripID(n int) string { return fmt.Sprintf("TRP-TEST-%d", n) }
