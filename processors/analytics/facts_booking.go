package analytics

import (
	"strings"

	"github.com/novatrek/support/schemas"
)

// Booking facts: reservations, their lifecycle, new guests and check-ins (booking trends),
// plus the seats a reservation books toward utilization.

func reservationCreatedFacts(e *schemas.ReservationCreated) ([]fact, error) {
	at := e.Metadata.OccurredAt
	dims := func(f fact) fact {
		f.trip, f.guest, f.reservation, f.reference, f.category = e.TripID, e.GuestID, e.ReservationID, e.DepartureID, e.BookingChannel
		return f
	}
	value, err := amount(bookingMetrics, at, "booked_value", e.TotalPrice, 1)
	if err != nil {
		return nil, err
	}
	return []fact{
		dims(count(bookingMetrics, at, "reservations")),
		dims(quantity(bookingMetrics, at, "guests_booked", e.PartySize)),
		dims(value),
		dims(quantity(utilizationMetrics, at, "booked_seats", e.PartySize)),
	}, nil
}

func reservationStatusFacts(e *schemas.ReservationStatusChanged) ([]fact, error) {
	f := count(bookingMetrics, e.Metadata.OccurredAt, "status_changes")
	f.trip, f.guest, f.reservation, f.category = e.TripID, e.GuestID, e.ReservationID, strings.ToUpper(e.NewStatus)
	return []fact{f}, nil
}

func guestRegisteredFacts(e *schemas.GuestRegistered) ([]fact, error) {
	f := count(bookingMetrics, e.Metadata.OccurredAt, "guest_registrations")
	f.guest, f.category = e.GuestID, deref(e.CountryCode)
	return []fact{f}, nil
}

// checkinFacts counts at the check-in's own time, per location: utilization is people on
// site, bookings count the check-in itself.
func checkinFacts(e *schemas.CheckinCompleted) ([]fact, error) {
	dims := func(f fact) fact {
		f.trip, f.location, f.guest, f.reservation, f.reference, f.category = e.TripID, e.LocationID, e.GuestID, e.ReservationID, e.CheckinID, e.Method
		return f
	}
	return []fact{
		dims(count(bookingMetrics, e.CheckedInAt, "checkins")),
		dims(quantity(utilizationMetrics, e.CheckedInAt, "checked_in_guests", e.PartySize)),
	}, nil
}
