package loyalty

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/url"
	"regexp"
	"sync"

	"github.com/novatrek/support/internal/platform/outbound"
	"github.com/novatrek/support/internal/platform/service"
	"github.com/novatrek/support/internal/platform/stream"
	"github.com/novatrek/support/schemas"
)

// Names of the Spec's clients.
const (
	clientReservations  = "reservations"
	clientGuestProfiles = "guest-profiles"
)

// Booking is what svc-reservations answers for a reservation ("Verify completed booking").
type Booking struct {
	ReservationID string `json:"reservation_id"`
	GuestID       string `json:"guest_id"`
	TripID        string `json:"trip_id"`
	// TripType picks the trip type multiplier; "" (the stand-in sends none) earns none.
	TripType   string `json:"trip_type"`
	Status     string `json:"status"`
	TotalPrice *struct {
		Amount   string `json:"amount"`
		Currency string `json:"currency"`
	} `json:"total_price"`
}

// errNotFound is an upstream's 404: the resource is unknown to it (yet).
var errNotFound = errors.New("not found")

// upstream calls the two services loyalty depends on. A network failure or a 5xx is an
// *unavailable error (the consumer waits and retries), a 404 errNotFound, anything else
// unexpected a plain error.
type upstream struct {
	reservations, guests *outbound.Client
}

// unavailable is a dependency failure that waiting heals.
type unavailable struct{ err error }

func (u unavailable) Error() string { return u.err.Error() }
func (u unavailable) Unwrap() error { return u.err }

func newUpstream(env service.Env) *upstream {
	return &upstream{reservations: env.Outbound(clientReservations), guests: env.Outbound(clientGuestProfiles)}
}

// booking fetches a reservation from svc-reservations.
func (u *upstream) booking(ctx context.Context, id string) (*Booking, error) {
	var b Booking
	if err := get(ctx, u.reservations, "/v1/reservations/"+url.PathEscape(id), &b); err != nil {
		return nil, fmt.Errorf("verify booking %s with svc-reservations: %w", id, err)
	}
	return &b, nil
}

// fetchedBooking is a booking fetched ahead, or why it could not be.
type fetchedBooking struct {
	booking *Booking
	err     error
}

// prefetchParallel is how many bookings a batch asks svc-reservations for at once.
const prefetchParallel = 32

// prefetchBookings asks svc-reservations for the bookings of a batch's completions, a few
// at once, before the batch's ledger work, so the calls overlap instead of adding up.
// Failures are kept and reported by the event they belong to.
func (a *app) prefetchBookings(ctx context.Context, evs []stream.Event[schemas.ReservationStatusChanged]) map[string]fetchedBooking {
	out := map[string]fetchedBooking{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	sem := make(chan struct{}, prefetchParallel)
	for _, ev := range evs {
		id := ev.Value.ReservationID
		if ev.Value.NewStatus != "COMPLETED" {
			continue
		}
		wg.Go(func() {
			sem <- struct{}{}
			b, err := a.up.booking(ctx, id)
			<-sem
			mu.Lock()
			out[id] = fetchedBooking{b, err}
			mu.Unlock()
		})
	}
	wg.Wait()
	return out
}

// profile fetches a guest profile from svc-guest-profiles, as the document it is.
func (u *upstream) profile(ctx context.Context, guestID string) (json.RawMessage, error) {
	var p json.RawMessage
	if err := get(ctx, u.guests, "/v1/guests/"+url.PathEscape(guestID), &p); err != nil {
		return nil, fmt.Errorf("get member profile %s from svc-guest-profiles: %w", guestID, err)
	}
	return p, nil
}

func get(ctx context.Context, c *outbound.Client, path string, into any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.URL(path), nil)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "application/json")
	if c.Key != "" {
		req.Header.Set("Authorization", "Bearer "+c.Key)
	}
	resp, err := c.Do(req)
	if err != nil {
		return unavailable{err}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	switch {
	case err != nil:
		return unavailable{err}
	case resp.StatusCode == http.StatusNotFound:
		return errNotFound
	case resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests:
		return unavailable{fmt.Errorf("answered %d", resp.StatusCode)}
	case resp.StatusCode != http.StatusOK:
		return fmt.Errorf("answered %d: %.200s", resp.StatusCode, body)
	}
	if err := json.Unmarshal(body, into); err != nil {
		return fmt.Errorf("answer is not the expected JSON: %w", err)
	}
	return nil
}

var (
	decimalPattern  = regexp.MustCompile(`^[0-9]{1,15}(\.[0-9]{1,6})?$`)
	currencyPattern = regexp.MustCompile(`^[A-Z]{3}$`)
)

// amount is the booking's total price as a number.
func (b *Booking) amount() (*big.Rat, string, error) {
	if b.TotalPrice == nil {
		return nil, "", fmt.Errorf("reservation %s has no total price", b.ReservationID)
	}
	a, ok := new(big.Rat).SetString(b.TotalPrice.Amount)
	// SetString also takes fractions and exponents ("1/3", "1e999999"): only plain decimals
	// of a sane length are amounts.
	if !ok || a.Sign() < 0 || !decimalPattern.MatchString(b.TotalPrice.Amount) {
		return nil, "", fmt.Errorf("reservation %s total price %.40q is not a non-negative decimal", b.ReservationID, b.TotalPrice.Amount)
	}
	if !currencyPattern.MatchString(b.TotalPrice.Currency) {
		return nil, "", fmt.Errorf("reservation %s currency %.10q is not an ISO 4217 code", b.ReservationID, b.TotalPrice.Currency)
	}
	return a, b.TotalPrice.Currency, nil
}
