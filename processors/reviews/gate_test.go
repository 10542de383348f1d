package reviews

import (
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
)

const okBody = "A wonderful trip along the canyon rim with a patient guide."

// TestSubmissionGates: each way a submission is refused writes nothing and says why; the
// stand-ins answer for a reservation the service has not seen, and the copy answers alone
// once the status event arrived (the stand-ins down then change nothing).
func TestSubmissionGates(t *testing.T) {
	t.Parallel()
	rg := newRig(t)
	ada, bob := uuid.NewString(), uuid.NewString()

	wantProblem(t, "unknown reservation", rg.submit(ada, uuid.NewString(), 5, "", okBody), http.StatusNotFound, "urn:novatrek:problem:not-found")
	wantProblem(t, "another guest's reservation", rg.submit(ada, rg.booked(bob, tripID(1), statusCompleted), 5, "", okBody),
		http.StatusNotFound, "You have no reservation")
	wantProblem(t, "not completed", rg.submit(ada, rg.booked(ada, tripID(1), "CONFIRMED"), 5, "", okBody),
		http.StatusUnprocessableEntity, "reservation-not-completed", `"reservation_status":"CONFIRMED"`)
	unregistered := uuid.NewString()
	res := uuid.NewString()
	rg.standins.Apply(statusEvent(res, unregistered, tripID(1), statusCompleted, time.Now()))
	wantProblem(t, "guest unknown to svc-guest-profiles", rg.submit(unregistered, res, 5, "", okBody),
		http.StatusUnprocessableEntity, "guest-unknown")
	if n := rg.count(`SELECT count(*) FROM reviews.reviews`); n != 0 {
		t.Fatalf("%d reviews written by refused submissions", n)
	}

	// Completed per svc-reservations, never seen here: accepted, and the answer is kept.
	first := rg.mustSubmit(ada, rg.booked(ada, tripID(1), statusCompleted), 4, "Great", okBody)
	if first.Status != statusPublished || first.Rev != 1 || first.TripID != tripID(1) {
		t.Errorf("first review %+v", first)
	}
	if n := rg.count(`SELECT count(*) FROM reviews.reservations WHERE reservation_id = $1 AND source = 'svc-reservations'`, first.ReservationID); n != 1 {
		t.Errorf("the peer's answer was not kept in the copy")
	}
	wantProblem(t, "second review of the reservation", rg.submit(ada, first.ReservationID, 2, "", okBody),
		http.StatusConflict, "review-exists", first.ReviewID, `"href":"/v1/reviews/`+first.ReviewID+`"`)
	wantProblem(t, "another guest on a reviewed reservation", rg.submit(bob, first.ReservationID, 2, "", okBody), http.StatusNotFound)

	// Completed in the copy: the peers are not needed.
	local := rg.completedHere(ada, tripID(2))
	rg.down.Store("/")
	calls := rg.calls.Load()
	rg.mustSubmit(ada, local, 5, "", okBody)
	if rg.calls.Load() != calls {
		t.Errorf("a reservation the copy knows completed was checked with the peers")
	}

	// svc-guest-profiles down for a reservation only svc-reservations knows: 503 naming it.
	rg.down.Store("/svc-guest-profiles/")
	wantProblem(t, "svc-guest-profiles down", rg.submit(ada, rg.booked(ada, tripID(4), statusCompleted), 5, "", okBody),
		http.StatusServiceUnavailable, `"dependency":"svc-guest-profiles"`)

	// Unknown here and the peer down: 503 with Retry-After, nothing written.
	rg.down.Store("/")
	resp := rg.submit(ada, rg.booked(ada, tripID(3), statusCompleted), 5, "", okBody)
	wantProblem(t, "svc-reservations down", resp, http.StatusServiceUnavailable, `"dependency":"svc-reservations"`)
	if resp.Header.Get("Retry-After") == "" {
		t.Errorf("503 without Retry-After")
	}
	if n := rg.count(`SELECT count(*) FROM reviews.reviews`); n != 2 {
		t.Errorf("%d reviews; want the 2 accepted", n)
	}
}

// TestRaceWithTheStatusEvent: the copy holds CONFIRMED while COMPLETED is still in flight;
// svc-reservations already says COMPLETED, so the review is accepted. The event arriving
// afterwards takes over the copy, and an older event arriving last does not turn it back.
func TestRaceWithTheStatusEvent(t *testing.T) {
	t.Parallel()
	rg := newRig(t)
	ada := uuid.NewString()
	res := rg.booked(ada, tripID(1), "CONFIRMED")
	confirmed := statusEvent(res, ada, tripID(1), "CONFIRMED", time.Now().Add(-time.Hour))
	rg.published(confirmed)
	completedAt := time.Now()
	completed := statusEvent(res, ada, tripID(1), statusCompleted, completedAt)
	rg.standins.Apply(completed) // svc-reservations knows; the event has not reached us

	rg.mustSubmit(ada, res, 5, "", okBody)
	source := func() (status, src string) {
		t.Helper()
		if err := rg.svc.DB.QueryRow(t.Context(), `SELECT status, source FROM reviews.reservations WHERE reservation_id = $1`, res).Scan(&status, &src); err != nil {
			t.Fatal(err)
		}
		return
	}
	if st, src := source(); st != statusCompleted || src != sourcePeer {
		t.Errorf("after the synchronous check the copy holds %s from %s", st, src)
	}
	rg.published(completed)
	if st, src := source(); st != statusCompleted || src != sourceEvent {
		t.Errorf("after the event the copy holds %s from %s; want COMPLETED from the event", st, src)
	}
	rg.published(statusEvent(res, ada, tripID(1), "CONFIRMED", completedAt.Add(-time.Minute)))
	if st, _ := source(); st != statusCompleted {
		t.Errorf("an older event turned the copy back to %s", st)
	}
	if n := rg.count(`SELECT count(*) FROM reviews.reservation_status_log WHERE reservation_id = $1`, res); n != 3 {
		t.Errorf("%d status events logged; want 3", n)
	}
}

// TestRacingDuplicatesCreateOne: five submissions of one reservation at once create one
// review; the others get the 409 naming it.
func TestRacingDuplicatesCreateOne(t *testing.T) {
	t.Parallel()
	rg := newRig(t)
	ada := uuid.NewString()
	res := rg.completedHere(ada, tripID(1))
	codes := make(chan int, 5)
	var wg sync.WaitGroup
	for range 5 {
		wg.Go(func() { codes <- rg.submit(ada, res, 5, "", okBody).Status })
	}
	wg.Wait()
	close(codes)
	created := 0
	for c := range codes {
		switch c {
		case http.StatusCreated:
			created++
		case http.StatusConflict:
		default:
			t.Errorf("a racing submission got %d", c)
		}
	}
	if created != 1 || rg.count(`SELECT count(*) FROM reviews.reviews WHERE reservation_id = $1`, res) != 1 {
		t.Errorf("%d created", created)
	}
	if n := rg.count(`SELECT review_count FROM reviews.rating_aggregates WHERE target_id = $1`, tripID(1)); n != 1 {
		t.Errorf("the trip counts %d reviews", n)
	}
}
