package simulate

import (
	"fmt"
	"net/http"

	"github.com/novatrek/support/internal/platform/apiauth"
)

// Reviews (svc-reviews): guests whose trip completed review it a little later, most of
// them rating the guide who led them too (the guide svc-scheduling's schedule assigned,
// see world.leads), which moves svc-reviews' per-guide aggregates. A few
// reviews trip the profanity check and wait for the reviews-moderation team, who decide on
// the revision they read; some guests submit twice (the second meets 409 review-exists);
// some edit from two devices at once (If-Match: one wins, the other reads again and
// retries); other guests vote reviews helpful.

// The routes of the review workflow.
const (
	RouteReviewSubmit   = "POST /v1/reviews"
	RouteReviewEdit     = "PATCH /v1/reviews/{id}"
	RouteReviewVote     = "PUT /v1/reviews/{id}/helpful-votes/mine"
	RouteReviewModerate = "POST /v1/reviews/{id}/moderation"
)

// Shares of completed trips (reviewShare) and of their reviews.
const (
	reviewShare    = 0.6  // ~500 reviews a day of ~840 completed trips (the spec's volume)
	profaneShare   = 0.05 // held for a moderator
	duplicateShare = 0.08 // submitted twice
	editShare      = 0.05 // edited from two devices at once
	voteShare      = 0.3  // voted on by other guests
	guideShare     = 0.7  // rate the guide too, when the party had one
	reviewDelay    = 50   // events between the completion and the review
)

var reviewTitles = []string{"Unforgettable", "Worth every step", "Great guides", "Long days, worth it", "Not for beginners", "Would book again"}

var reviewBodies = []string{
	"The guides knew every plant and rock, and the camp food was better than at home.",
	"Long days but the views paid for all of it. Bring better boots than I did.",
	"Well organised from the pickup to the last evening. The group size was just right.",
	"The weather turned on day two and the team handled it calmly and safely.",
	"Good trip overall, though the gear list could say more about the cold nights.",
}

// profaneBodies trip the moderation library's word list; a moderator decides.
var profaneBodies = []string{
	"The rafting was great, the bus ride back was a fucking mess, two hours late.",
	"Damn fine views, the campsite was a total crap hole after the rain.",
}

// review queues the review of r, completed now, when its guest writes one.
func (g *Generator) review(r *reservation) {
	if g.dice("review", r.id) >= reviewShare {
		return
	}
	author := apiauth.GuestToken(apiauth.DevGuestKey, r.guestID)
	name := "review:" + r.id
	rating := 3 + g.pickN(3, "rating", r.id)
	body := reviewBodies[g.pickN(len(reviewBodies), "body", r.id)]
	profane := g.dice("profane", r.id) < profaneShare
	if profane {
		body, rating = profaneBodies[g.pickN(len(profaneBodies), "profane-body", r.id)], 2
	}
	fields := map[string]any{
		"reservation_id": r.id, "rating": rating, "body": body,
		"title": reviewTitles[g.pickN(len(reviewTitles), "title", r.id)],
	}
	rateGuide := r.guide != "" && g.dice("guide", r.id) < guideShare
	if rateGuide {
		// The guide's stars follow the trip's, one either side.
		fields["guide_id"], fields["guide_rating"] = r.guide, min(5, max(1, rating-1+g.pickN(3, "guide-rating", r.id)))
	}
	submit := Call{
		Route: RouteReviewSubmit, Method: http.MethodPost, Path: "/v1/reviews", Caller: "guest-app", Token: author,
		Save: name, Body: jsonBody(fields),
	}
	// Some events later (10 s at make run's 5 events/s): the service has seen the COMPLETED
	// event, or its svc-reservations stand-in has.
	g.deferCall(reviewDelay, submit, nil)
	self := "/v1/reviews/{$" + name + "}"
	if g.dice("duplicate", r.id) < duplicateShare {
		again := submit
		again.Save, again.Expect = "", http.StatusConflict
		g.deferCall(reviewDelay+3, again, nil)
	}
	if profane {
		decision := "reject"
		if g.dice("moderation", r.id) < 0.4 {
			decision = "publish" // the word list was too strict for a moderator
		}
		g.deferCall(reviewDelay+15, Call{
			Route: RouteReviewModerate, Method: http.MethodPost, Path: self + "/moderation", IfMatch: self,
			Caller: "reviews-moderation", Body: jsonBody(map[string]any{"decision": decision, "reason": "moderator read the review"}),
		}, nil)
		return // not published yet: nobody else sees it to vote
	}
	if g.dice("edit", r.id) < editShare {
		edit := map[string]any{"body": body + " Edited: the photos are up now.", "rating": rating}
		if rateGuide { // second thoughts: the guide's aggregate moves between star counts
			edit["guide_rating"] = 1 + g.pickN(5, "guide-edit", r.id)
		}
		g.deferCall(reviewDelay+10, Call{
			Route: RouteReviewEdit, Method: http.MethodPatch, Path: self, IfMatch: self, Copies: 2,
			Caller: "guest-app", Token: author, Body: jsonBody(edit),
		}, nil)
	}
	if g.dice("votes", r.id) < voteShare && g.world.guests.len() > 1 {
		for i := range 1 + g.pickN(3, "voters", r.id) {
			voter := g.world.guests.items[g.pickN(g.world.guests.len(), "voter", r.id, fmt.Sprint(i))]
			if voter.id == r.guestID {
				continue // one's own review is a 422
			}
			g.deferCall(reviewDelay+12+i, Call{
				Route: RouteReviewVote, Method: http.MethodPut, Path: self + "/helpful-votes/mine", Caller: "guest-app",
				Token: apiauth.GuestToken(apiauth.DevGuestKey, voter.id),
				Body:  jsonBody(map[string]bool{"helpful": g.dice("helpful", r.id, voter.id) < 0.85}),
			}, nil)
		}
	}
}
