package reviews

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/novatrek/support/internal/platform/outbound"
)

// The spec's outbound calls: "Validate reservation exists and is COMPLETED" (svc-reservations)
// and "Validate guest identity" (svc-guest-profiles), both synchronous reads.
const (
	clientReservations = "svc-reservations"
	clientGuests       = "svc-guest-profiles"
)

// errUnknown is a peer's 404: the reservation or guest does not exist there.
var errUnknown = errors.New("not found")

// peerReservation is what svc-reservations answers for one reservation (the fields the gate
// reads).
type peerReservation struct {
	ReservationID string    `json:"reservation_id"`
	GuestID       string    `json:"guest_id"`
	TripID        string    `json:"trip_id"`
	DepartureDate string    `json:"departure_date"`
	Status        string    `json:"status"`
	UpdatedAt     time.Time `json:"updated_at"`
}

// peers calls the two services; a nil client (its URL unset, in dev before the stand-ins are
// wired) behaves as an unreachable one.
type peers struct {
	reservations, guests *outbound.Client
}

// reservation asks svc-reservations for id: errUnknown on 404, another error when it cannot
// answer (down, timing out, 5xx, a malformed answer).
func (p peers) reservation(ctx context.Context, id string) (peerReservation, error) {
	var r peerReservation
	if err := get(ctx, p.reservations, "/v1/reservations/"+url.PathEscape(id), &r); err != nil {
		return r, err
	}
	if r.ReservationID != id || r.GuestID == "" || r.TripID == "" || r.Status == "" {
		return r, fmt.Errorf("svc-reservations: reservation %s: the answer lacks reservation_id, guest_id, trip_id or status", id)
	}
	return r, nil
}

// guestExists asks svc-guest-profiles whether the guest is registered.
func (p peers) guestExists(ctx context.Context, id string) error {
	var g struct {
		GuestID string `json:"guest_id"`
	}
	if err := get(ctx, p.guests, "/v1/guests/"+url.PathEscape(id), &g); err != nil {
		return err
	}
	if g.GuestID != id {
		return fmt.Errorf("svc-guest-profiles: guest %s: the answer names guest %q", id, g.GuestID)
	}
	return nil
}

// get GETs path from c into v (JSON), with the bearer key when one is configured.
func get(ctx context.Context, c *outbound.Client, path string, v any) error {
	if c == nil {
		return errors.New("its URL is not configured")
	}
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
		return err
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNotFound:
		return errUnknown
	case resp.StatusCode != http.StatusOK:
		return fmt.Errorf("GET %s: status %d", path, resp.StatusCode)
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(v); err != nil {
		return fmt.Errorf("GET %s: decode: %w", path, err)
	}
	return nil
}
