package simulate

import (
	"net/http"
	"net/url"
	"time"
)

// Loyalty (svc-loyalty-rewards): completed trips earn points (the service does that from
// reservation.status_changed); here guests who have enough spend them through the guest
// app, now and then cancel a redemption, and a few trips are cancelled after they
// completed (a refund), which takes their points back.

// The routes of the loyalty workflow.
const (
	RouteRedeem           = "POST /v1/members/{guest_id}/redemptions"
	RouteCancelRedemption = "POST /v1/redemptions/{id}/cancel"
)

const (
	reverseShare = 0.03 // completed trips cancelled afterwards
	redeemShare  = 0.15 // guests with enough points who redeem after a trip
	cancelShare  = 0.1  // redemptions cancelled
	// redeemDelay is how many events after the completion a guest redeems: the service
	// must have earned the trip's points by then (it reads the booking first).
	redeemDelay = 100
)

// reward is one of svc-loyalty-rewards' seeded rewards.
type reward struct {
	id     string
	points int64
}

var rewards = []reward{{"gear-rental-day", 1200}, {"voucher-25-usd", 2500}, {"guide-choice", 4000}}

// loyaltyState is what the simulator knows of the guests' points.
type loyaltyState struct {
	// points is a lower bound of each guest's balance: whole USD of their completed trips
	// (1 point per USD before any trip-type or tier multiplier) less what they redeemed.
	points map[string]int64
	// reversals are completed trips that will be cancelled later; their points are never
	// counted, so no redemption relies on them.
	reversals []*reservation
}

// afterTrip queues what follows r's completion for the neighbours: the trip's review, a
// redemption, the guest's photos, the gear it consumed, the cancellation of an earlier
// completed trip.
func (g *Generator) afterTrip(r *reservation) {
	ls := &g.nb.loyalty
	if len(ls.reversals) > 0 && g.dice("reverse-now", r.id) < 0.3 {
		old := ls.reversals[0]
		ls.reversals = ls.reversals[1:]
		g.then(func(now time.Time) (Event, error) {
			return g.statusChange(now, old, "CANCELLED", ptr("cancelled after the trip: refund granted"), "svc-reservations")
		})
	}
	if g.dice("reverse", r.id) < reverseShare {
		ls.reversals = append(ls.reversals, r)
	} else {
		if len(ls.points) >= maxGuests {
			clear(ls.points) // 0 is still a lower bound: those guests wait for their next trip
		}
		ls.points[r.guestID] += r.trip.price * int64(r.party)
		g.review(r)
		g.redeem(r)
		g.uploadPhotos(r)
	}
	g.consume(r)
}

// redeem queues, when r's guest has the points and chooses to, a redemption of one of the
// rewards they can afford, and now and then its cancellation.
func (g *Generator) redeem(r *reservation) {
	ls := &g.nb.loyalty
	var affordable []reward
	for _, rw := range rewards {
		if rw.points <= ls.points[r.guestID] {
			affordable = append(affordable, rw)
		}
	}
	if len(affordable) == 0 || g.dice("redeem", r.id) >= redeemShare {
		return
	}
	rw := affordable[g.pickN(len(affordable), "reward", r.id)]
	ls.points[r.guestID] -= rw.points
	name := "redemption:" + r.id
	g.deferCall(redeemDelay, Call{
		Route: RouteRedeem, Method: http.MethodPost, Caller: "guest-app", Save: name, IdempotencyKey: g.key("redeem", r.id),
		Path: "/v1/members/" + url.PathEscape(r.guestID) + "/redemptions",
		Body: jsonBody(map[string]string{"reward_id": rw.id, "reservation_id": r.id}),
	}, nil)
	if g.dice("cancel-redemption", r.id) < cancelShare {
		guest := r.guestID
		g.deferCall(redeemDelay+20, Call{
			Route: RouteCancelRedemption, Method: http.MethodPost, Caller: "guest-app", IdempotencyKey: g.key("cancel", r.id),
			Path: "/v1/redemptions/{$" + name + "}/cancel",
		}, func() { ls.points[guest] += rw.points })
	}
}

// TripType is the kind of trip the loyalty rules multiply by ("day", "multi_day",
// "expedition"), from the simulated catalog's length of the trip; "" for a trip it does
// not know. The svc-reservations stand-in answers it with a reservation.
func TripType(tripID string) string {
	for _, t := range trips {
		if t.id != tripID {
			continue
		}
		switch {
		case t.days >= 5:
			return "expedition"
		case t.days >= 2:
			return "multi_day"
		default:
			return "day"
		}
	}
	return ""
}
