package reviews

import (
	"context"
	"errors"
	"time"

	"github.com/novatrek/support/internal/platform/fault"
)

// admit decides whether guest may review reservation id: it must exist, be the guest's and
// be COMPLETED. The local copy answers when it has seen the reservation completed; otherwise
// (never seen, or seen in an earlier state: the status event may still be in flight)
// svc-reservations is asked, and then svc-guest-profiles confirms the guest. A peer that
// cannot answer is a 503 with Retry-After, even when the copy holds an older state: that
// state cannot tell "not completed" from "completed a moment ago". The fact learnt from the
// peer is returned for the caller to store in its transaction (nil when the copy answered).
//
// A reservation that is not the guest's answers like an unknown one (404): a guest learns
// nothing about other guests' reservations.
func (a *app) admit(ctx context.Context, guest, id string) (reservationFact, *reservationFact, error) {
	local, seen, err := localReservation(ctx, a.db, id)
	if err != nil {
		return local, nil, err
	}
	if seen && local.Status == statusCompleted {
		if local.GuestID != guest {
			return local, nil, notYours(id)
		}
		return local, nil, nil
	}
	peer, err := a.peers.reservation(ctx, id)
	switch {
	case errors.Is(err, errUnknown):
		return local, nil, notYours(id)
	case err != nil:
		a.log.Warn("svc-reservations did not answer", "reservation_id", id, "err", err)
		return local, nil, unavailable("svc-reservations", "the reservation's state")
	}
	at := peer.UpdatedAt
	if at.IsZero() {
		at = a.now()
	}
	f := reservationFact{ReservationID: id, GuestID: peer.GuestID, TripID: peer.TripID, Status: peer.Status,
		Source: sourcePeer, At: at}
	if d, err := time.Parse(time.DateOnly, peer.DepartureDate); err == nil {
		f.DepartureDate = &d
	}
	if f.GuestID != guest {
		return f, &f, notYours(id)
	}
	if f.Status != statusCompleted {
		return f, &f, fault.Unprocessable("reservation-not-completed", "Reservation not completed",
			"Reservation "+id+" is "+f.Status+"; a trip can be reviewed once it is COMPLETED.").With("reservation_status", f.Status)
	}
	switch err := a.peers.guestExists(ctx, guest); {
	case errors.Is(err, errUnknown):
		return f, &f, fault.Unprocessable("guest-unknown", "Guest unknown", "svc-guest-profiles has no guest "+guest+".")
	case err != nil:
		a.log.Warn("svc-guest-profiles did not answer", "err", err)
		return f, &f, unavailable("svc-guest-profiles", "the guest's identity")
	}
	return f, &f, nil
}

func notYours(id string) error {
	return fault.NotFound("You have no reservation " + id + ".")
}

func unavailable(peer, what string) error {
	return fault.Unavailable("dependency-unavailable", "Dependency unavailable",
		peer+" could not confirm "+what+"; nothing was written. Retry later.").With("dependency", peer)
}
