package simulate

import (
	"net/http"
	"strconv"
)

// Payments (svc-payments): svc-reservations takes the deposit of every booking through
// svc-payments' deposit API right after it publishes reservation.created, with the card the
// guest gave the booking page (a provider token, never a card number). A few cards are
// declined, which svc-payments answers with 402 and a payment.processed of status FAILED.

// RouteDeposit takes a booking's deposit.
const RouteDeposit = "POST /v1/deposits"

// declineShare is the share of deposits paid with a card the fake PSP declines.
const declineShare = 0.03

// cards are the fake PSP's test tokens that succeed, one per brand.
var cards = []string{"pm_card_visa", "pm_card_mastercard", "pm_card_amex"}

// deposit queues the deposit of r (due, a decimal amount in USD) to follow its
// reservation.created.
func (g *Generator) deposit(r *reservation, due string) {
	c := Call{
		Route: RouteDeposit, Method: http.MethodPost, Path: "/v1/deposits", Caller: "svc-reservations",
		IdempotencyKey: g.key("deposit", r.id),
	}
	token := cards[g.pickN(len(cards), "card", r.id)]
	if g.dice("decline", r.id) < declineShare {
		token, c.Expect = "pm_card_chargeDeclined", http.StatusPaymentRequired
	}
	c.Body = jsonBody(map[string]any{
		"reservation_id": r.id, "guest_id": r.guestID,
		"amount":               map[string]string{"amount": due, "currency": "USD"},
		"payment_method_token": token,
		"description":          "deposit, " + strconv.Itoa(r.party) + " guests, " + r.trip.id,
	})
	g.deferCall(2, c, nil) // made before the next event: after reservation.created is out
}
