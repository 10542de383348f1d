package simulate

import (
	"math/big"
	"strconv"
	"strings"
	"time"

	"github.com/novatrek/support/schemas"
)

// The booking flow: guest registration (svc-guest-profiles), reservations and their status
// changes (svc-reservations), partner confirmations (svc-partner-integrations), transport
// details (svc-transport-logistics), check-in (svc-check-in) and waiver copies
// (svc-safety-compliance).

// register publishes guest.registered for a new guest; then, when set, runs next with the
// guest (a guest who registers as they book).
func (g *Generator) register(now time.Time, next func(now time.Time, gu *guest) (Event, error)) (Event, error) {
	first, last := g.oneOf(firstNames), g.oneOf(lastNames)
	loc := locales[g.rng.IntN(len(locales))]
	gu := &guest{id: g.id("guest"), firstName: first, lastName: last, language: loc.language}
	// example.com and the 555-01xx range are reserved for fiction: no real person is mailed.
	gu.email = strings.ToLower(first) + "." + strings.ToLower(asciiName(last)) + "." + gu.id[:8] + "@example.com"
	gu.phone = "+1555" + strconv.Itoa(1000000+g.rng.IntN(100)) // +1 555-100-00xx
	ev := &schemas.GuestRegistered{
		GuestID: gu.id, Email: gu.email, FirstName: first, LastName: last, Phone: &gu.phone,
		CountryCode: ptr(loc.country), PreferredLanguage: loc.language,
		MarketingOptIn: g.chance(0.4),
	}
	if g.chance(0.7) {
		ev.DateOfBirth = ptr(time.Date(1950+g.rng.IntN(55), time.Month(1+g.rng.IntN(12)), 1+g.rng.IntN(28), 0, 0, 0, 0, time.UTC))
	}
	if g.chance(0.1) {
		ev.ReferralCode = ptr("REF-" + strings.ToUpper(gu.id[:6]))
	}
	g.world.guests.add(g.rng, gu)
	g.device(gu)
	if next != nil {
		g.then(func(now time.Time) (Event, error) { return next(now, gu) })
	}
	return g.emit(now, g.newFlow(), &ev.Metadata, ev)
}

// asciiName drops what an e-mail local part should not carry.
func asciiName(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 128 {
			return r
		}
		return -1
	}, s)
}

// book publishes reservation.created (PENDING) for a returning guest or, a third of the
// time (and while nobody is registered), for a guest who registers first.
func (g *Generator) book(now time.Time) (Event, error) {
	gu, ok := g.world.guests.pick(g.rng)
	if !ok || g.chance(0.35) {
		return g.register(now, g.bookFor)
	}
	return g.bookFor(now, gu)
}

func (g *Generator) bookFor(now time.Time, gu *guest) (Event, error) {
	t := &trips[g.rng.IntN(len(trips))]
	dep := day(now).AddDate(0, 0, 1+g.rng.IntN(45))
	r := &reservation{
		id: g.id("reservation"), guestID: gu.id, trip: t, departure: dep,
		departureID: "DEP-" + strings.TrimPrefix(t.id, "TRP-") + "-" + dep.Format("20060102"),
		party:       1 + g.rng.IntN(4), status: "PENDING", insured: g.chance(0.3), flow: g.newFlow(),
	}
	if g.rng.IntN(2) == 0 && g.chance(0.5) {
		r.party += g.rng.IntN(4) // the odd family or group
	}
	participants := make([]schemas.Participant, r.party)
	participants[0] = schemas.Participant{GuestID: ptr(gu.id), FullName: gu.firstName + " " + gu.lastName, AgeGroup: "ADULT"}
	for i := 1; i < r.party; i++ {
		age := []string{"ADULT", "ADULT", "YOUTH", "CHILD"}[g.rng.IntN(4)]
		participants[i] = schemas.Participant{FullName: g.oneOf(firstNames) + " " + gu.lastName, AgeGroup: age}
	}
	channel := []string{"WEB", "WEB", "WEB", "MOBILE_APP", "MOBILE_APP", "CALL_CENTER"}[g.rng.IntN(6)]
	if g.chance(0.08) {
		channel = "PARTNER"
		r.partner = ptr(g.oneOf(partners))
		g.named("PARTNER", *r.partner) // svc-payments' receipts may go to the partner
	}
	total := big.NewRat(t.price*int64(r.party), 1)
	ev := &schemas.ReservationCreated{
		ReservationID: r.id, GuestID: gu.id, TripID: t.id, DepartureID: r.departureID, DepartureDate: dep,
		PartySize: r.party, Participants: participants, Status: "PENDING",
		TotalPrice:     schemas.Money{Amount: total, Currency: "USD"},
		DepositDue:     schemas.Money{Amount: new(big.Rat).Quo(total, big.NewRat(5, 1)), Currency: "USD"},
		BookingChannel: channel, PartnerID: r.partner, TravelInsurance: r.insured,
	}
	if g.chance(0.12) {
		ev.PromoCode = ptr(g.oneOf(promoCodes))
	}
	g.world.pending.add(g.rng, r)
	g.deposit(r, ev.DepositDue.Amount.FloatString(2))
	return g.emit(now, r.flow, &ev.Metadata, ev)
}

// statusChange publishes reservation.status_changed from r's status to status and moves r
// to the matching state (COMPLETED, CANCELLED and NO_SHOW are final: r is forgotten).
func (g *Generator) statusChange(now time.Time, r *reservation, status string, reason *string, by string) (Event, error) {
	ev := &schemas.ReservationStatusChanged{
		ReservationID: r.id, GuestID: r.guestID, TripID: r.trip.id, DepartureDate: r.departure,
		PreviousStatus: r.status, NewStatus: status, Reason: reason, ChangedBy: ptr(by),
	}
	r.status = status
	return g.emit(now, r.flow, &ev.Metadata, ev)
}

// confirm: the deposit was paid. The booking confirmation follows, and the insurance and
// partner confirmations when they apply.
func (g *Generator) confirm(now time.Time, r *reservation) (Event, error) {
	g.world.confirmed.add(g.rng, r)
	if g.chance(0.3) { // the orchestrator plans the departure around the confirmed party
		g.capacityCheck(r.trip, r.party, r.departure.Add(8*time.Hour))
	}
	data := map[string]string{"trip_id": r.trip.id, "departure_date": r.departure.Format(time.DateOnly)}
	g.then(func(now time.Time) (Event, error) {
		return g.request(now, "svc-reservations", "BOOKING_CONFIRMATION", r.id, r.flow, "NORMAL", data, guestTo(r.guestID))
	})
	if r.insured {
		g.then(func(now time.Time) (Event, error) {
			return g.request(now, "svc-reservations", "INSURANCE_CONFIRMATION", r.id, r.flow, "LOW", data, guestTo(r.guestID))
		})
	}
	if r.partner != nil {
		g.then(func(now time.Time) (Event, error) {
			return g.request(now, "svc-partner-integrations", "PARTNER_CONFIRMATION", r.id, r.flow, "NORMAL", data,
				schemas.Recipient{RecipientType: "PARTNER", RecipientID: r.partner})
		})
	}
	return g.statusChange(now, r, "CONFIRMED", ptr("deposit received"), "svc-payments")
}

// cancel: the status change, then svc-reservations' status update to the guest.
func (g *Generator) cancel(now time.Time, r *reservation) (Event, error) {
	reason := g.oneOf(cancelReasons)
	by := g.oneOf([]string{"guest", "STF-DESK-01", "svc-reservations"})
	if strings.HasPrefix(by, "STF-") {
		g.named("STAFF", by)
	}
	g.then(func(now time.Time) (Event, error) {
		return g.request(now, "svc-reservations", "RESERVATION_STATUS_UPDATE", r.id, r.flow, "NORMAL",
			map[string]string{"new_status": "CANCELLED", "reason": reason}, guestTo(r.guestID))
	})
	return g.statusChange(now, r, "CANCELLED", &reason, by)
}

// transportDetails: transport logistics tells a confirmed party where the pickup is.
func (g *Generator) transportDetails(now time.Time, r *reservation) (Event, error) {
	g.pickupCheck(r.trip)
	return g.request(now, "svc-transport-logistics", "TRANSPORT_DETAILS", r.id, r.flow, "NORMAL",
		map[string]string{"pickup_location": r.trip.location, "pickup_date": r.departure.Format(time.DateOnly)},
		guestTo(r.guestID))
}

// checkin: the party checked in at the departure location; the check-in confirmation and,
// mostly, the waiver copy follow.
func (g *Generator) checkin(now time.Time, r *reservation) (Event, error) {
	g.world.checkedIn.add(g.rng, r)
	g.world.occupancy[r.trip.location] += r.party
	r.checkinID, r.checkedInSeq = g.id("checkin"), g.seq
	r.guide = g.world.leads[r.trip.id] // the guide leading the trip now leads the party
	ev := &schemas.CheckinCompleted{
		CheckinID: r.checkinID, ReservationID: r.id, GuestID: r.guestID, TripID: r.trip.id,
		LocationID: r.trip.location, CheckedInAt: now, PartySize: r.party, WaiversVerified: g.chance(0.97),
		Method: []string{"KIOSK", "STAFF", "STAFF", "MOBILE"}[g.rng.IntN(4)],
	}
	if ev.Method == "MOBILE" {
		ev.Position = &schemas.GeoPoint{Latitude: r.trip.lat + jitter(g), Longitude: r.trip.lon + jitter(g)}
		g.firstFix(r.guestID) // the check-in's device position is their first fix
	}
	g.then(func(now time.Time) (Event, error) {
		return g.request(now, "svc-check-in", "CHECKIN_CONFIRMATION", r.id, r.flow, "NORMAL",
			map[string]string{"location_id": r.trip.location}, guestTo(r.guestID))
	})
	if g.chance(0.8) {
		g.then(func(now time.Time) (Event, error) {
			ev, err := g.request(now, "svc-safety-compliance", "WAIVER_COPY", r.id, r.flow, "LOW", nil, guestTo(r.guestID))
			if err == nil {
				req := ev.Value.(*schemas.NotificationRequested)
				req.Attachments = []schemas.Attachment{{
					FileName: "waiver-" + r.id[:8] + ".pdf", ContentType: "application/pdf",
					URL: "https://waivers.novatrek.example/" + r.id + ".pdf",
				}}
			}
			return ev, err
		})
	}
	return g.emit(now, r.flow, &ev.Metadata, ev)
}

// affectedParties: the orchestrator moved a departure; the booked guest hears about it.
func (g *Generator) affectedParties(now time.Time, r *reservation) (Event, error) {
	return g.request(now, "svc-scheduling-orchestrator", "AFFECTED_PARTIES_UPDATE", r.id, r.flow, "NORMAL",
		map[string]string{"change": g.oneOf([]string{"guide changed", "start time moved by 1 hour", "meeting point changed"})},
		guestTo(r.guestID))
}

// jitter is a small random offset in degrees (tens to hundreds of metres).
func jitter(g *Generator) float64 { return (g.rng.Float64() - 0.5) / 200 }

// complete: the trip is over; the party checks out of its site, the reservation completes,
// and the neighbours' follow-ups are queued (afterTrip).
func (g *Generator) complete(now time.Time, r *reservation) (Event, error) {
	g.checkOut(r)
	g.afterTrip(r)
	return g.statusChange(now, r, "COMPLETED", nil, "svc-check-in")
}

// checkinAtBusySite checks r in, unless its site is busy: past a fill level drawn between
// 55 % and 105 % of its capacity, a party already there leaves first (its trip completes)
// and r waits. Occupancy so wanders between about half and full, and crosses the 90 %
// alert now and then instead of growing without end.
func (g *Generator) checkinAtBusySite(now time.Time, r *reservation) (Event, error) {
	site := r.trip.location
	if float64(g.world.occupancy[site]+r.party) > float64(r.trip.capacity)*(0.55+0.5*g.rng.Float64()) {
		if there, ok := g.world.checkedIn.takeFirst(func(x *reservation) bool { return x.trip.location == site && g.settled(x.checkedInSeq) }); ok {
			g.world.confirmed.add(g.rng, r)
			return g.complete(now, there)
		}
	}
	return g.checkin(now, r)
}
