package loyalty

import (
	"context"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/novatrek/support/internal/dev/standin"
	"github.com/novatrek/support/internal/platform/service"
	"github.com/novatrek/support/internal/platform/store"
	"github.com/novatrek/support/internal/testkit/servicetest"
	"github.com/novatrek/support/schemas"
)

// clock is a settable test clock: real time plus an offset.
type clock struct{ offset atomic.Int64 }

func (c *clock) now() time.Time          { return time.Now().UTC().Add(time.Duration(c.offset.Load())) }
func (c *clock) advance(d time.Duration) { c.offset.Add(int64(d)) }

// world is the service started from its Spec (a fresh database, kfake, the registry, the
// runner's wiring, the stand-ins of svc-reservations and svc-guest-profiles that
// fakes.Provide starts) with every response checked against openapi.json, and the
// stand-ins' store, where the tests put the bookings and guests the upstream services know.
type world struct {
	*servicetest.Service[*app]
	t        *testing.T
	upstream *standin.Store
	clock    *clock
}

func start(t *testing.T, opts ...servicetest.Option) *world {
	t.Helper()
	return startSpec(t, Spec, opts...)
}

// startSpec is start with another Spec of the service (a variant's New).
func startSpec(t *testing.T, spec *service.Spec[*app], opts ...servicetest.Option) *world {
	t.Helper()
	c := &clock{}
	svc := servicetest.Start(t, spec, append([]servicetest.Option{servicetest.WithOpenAPICheck(), servicetest.WithClock(c.now),
		servicetest.WithTokens(map[string]string{
			CallerGuestProfiles: servicetest.Token(CallerGuestProfiles), CallerGuestApp: servicetest.Token(CallerGuestApp),
			CallerLoyaltyOps: servicetest.Token(CallerLoyaltyOps), "svc-analytics": servicetest.Token("svc-analytics"),
		})}, opts...)...)
	if svc.Fakes.StandIns() == nil {
		t.Fatal("the stand-ins were not provided")
	}
	return &world{Service: svc, t: t, upstream: svc.Fakes.StandIns(), clock: c}
}

// standInServer serves the stand-ins from store on its own port (for the conformance
// suite, which binds the Spec without fakes.Provide), as the URL variables the Spec reads.
func standInServer(t *testing.T, store *standin.Store) []string {
	srv := httptest.NewServer(standin.Handler(store))
	t.Cleanup(srv.Close)
	return []string{"LOYALTY_RESERVATIONS_URL", srv.URL + "/svc-reservations", "LOYALTY_GUEST_PROFILES_URL", srv.URL + "/svc-guest-profiles"}
}

func meta(eventType, producer string, at time.Time) schemas.EventMetadata {
	return schemas.EventMetadata{EventID: uuid.NewString(), EventType: eventType, OccurredAt: at.UTC().Truncate(time.Millisecond),
		Producer: producer, CorrelationID: uuid.NewString()}
}

func registration(guest string, at time.Time) *schemas.GuestRegistered {
	return &schemas.GuestRegistered{Metadata: meta("guest.registered", "svc-guest-profiles", at), GuestID: guest,
		Email: "guest@example.com", FirstName: "Ada", LastName: "Lovelace", PreferredLanguage: "en"}
}

// booking is a reservation as svc-reservations created it, for the stand-in.
func booking(res, guest, amount, currency string, at time.Time) *schemas.ReservationCreated {
	a, ok := new(big.Rat).SetString(amount)
	if !ok {
		panic("bad amount " + amount)
	}
	return &schemas.ReservationCreated{Metadata: meta("reservation.created", "svc-reservations", at), ReservationID: res,
		GuestID: guest, TripID: "TRP-TEST", DepartureID: "DEP-1", DepartureDate: at.AddDate(0, 0, -1).Truncate(24 * time.Hour),
		PartySize: 1, Status: "CONFIRMED", TotalPrice: schemas.Money{Amount: a, Currency: currency},
		DepositDue: schemas.Money{Amount: new(big.Rat), Currency: currency}, BookingChannel: "WEB"}
}

func statusChange(res, guest, status string, at time.Time) *schemas.ReservationStatusChanged {
	return &schemas.ReservationStatusChanged{Metadata: meta("reservation.status_changed", "svc-reservations", at),
		ReservationID: res, GuestID: guest, TripID: "TRP-TEST", DepartureDate: at.AddDate(0, 0, -1).Truncate(24 * time.Hour),
		PreviousStatus: "CONFIRMED", NewStatus: status}
}

// register publishes the guest's registration and waits until it is applied.
func (w *world) register(guest string) {
	w.t.Helper()
	ev := registration(guest, w.clock.now())
	w.upstream.Apply(ev)
	w.Publish(TopicGuestRegistered, guest, ev)
	w.AwaitApplied(ev.Metadata.EventID)
}

// complete books a reservation of amount at svc-reservations (the stand-in), completes it
// there and publishes the completion; it returns the completion event once applied.
func (w *world) complete(res, guest, amount, currency string) *schemas.ReservationStatusChanged {
	w.t.Helper()
	now := w.clock.now()
	w.upstream.Apply(booking(res, guest, amount, currency, now))
	ev := statusChange(res, guest, "COMPLETED", now)
	w.upstream.Apply(ev)
	w.Publish(TopicReservationStatus, res, ev)
	w.AwaitApplied(ev.Metadata.EventID)
	return ev
}

// cancel cancels the reservation at svc-reservations and publishes it, once applied.
func (w *world) cancel(res, guest string) {
	w.t.Helper()
	ev := statusChange(res, guest, "CANCELLED", w.clock.now())
	w.upstream.Apply(ev)
	w.Publish(TopicReservationStatus, res, ev)
	w.AwaitApplied(ev.Metadata.EventID)
}

// member reads the member through the API as svc-guest-profiles.
func (w *world) member(guest string) memberView {
	w.t.Helper()
	resp := w.Call(CallerGuestProfiles, http.MethodGet, "/v1/members/"+guest, nil)
	if resp.Status != http.StatusOK {
		w.t.Fatalf("GET member %s = %d %s", guest, resp.Status, resp.Body)
	}
	var m memberView
	resp.JSON(w.t, &m)
	return m
}

// redeem redeems reward for guest with a fresh Idempotency-Key.
func (w *world) redeem(guest, reward string) *servicetest.Response {
	return w.Call(CallerGuestApp, http.MethodPost, "/v1/members/"+guest+"/redemptions", map[string]any{"reward_id": reward},
		"Idempotency-Key", uuid.NewString())
}

// adjust adjusts guest's points as staff.
func (w *world) adjust(guest string, points int64) *servicetest.Response {
	return w.Call(CallerLoyaltyOps, http.MethodPost, "/v1/members/"+guest+"/adjustments",
		map[string]any{"points": points, "reason": "test"}, "Idempotency-Key", uuid.NewString())
}

// checkLedger asserts the ledger's invariants (CheckLedger) and returns how many members
// it checked.
func checkLedger(t testing.TB, db store.DB) int {
	t.Helper()
	c, err := CheckLedger(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range c.Problems {
		t.Error(p)
	}
	return int(c.Members)
}

func must(t *testing.T, resp *servicetest.Response, status int) {
	t.Helper()
	if resp.Status != status {
		t.Fatalf("status %d, want %d: %s", resp.Status, status, resp.Body)
	}
}

// getenvUint reads a non-negative integer variable; 0 when unset or malformed.
func getenvUint(name string) uint64 {
	v, err := strconv.ParseUint(os.Getenv(name), 10, 64)
	if err != nil {
		return 0
	}
	return v
}
