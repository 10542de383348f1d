package reviews

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/google/uuid"

	"github.com/novatrek/support/internal/testkit/servicetest"
	"github.com/novatrek/support/schemas"
)

// TestFlaggedReviewsWaitForAModerator: a profane review is pending: not counted, not
// searchable, not announced, listed for moderators only; a moderator's publish counts it and
// announces review.published and the new rating; an edit with profanity sends a published
// review back.
func TestFlaggedReviewsWaitForAModerator(t *testing.T) {
	t.Parallel()
	rg := newRig(t)
	ada := uuid.NewString()
	v := rg.mustSubmit(ada, rg.completedHere(ada, tripID(7)), 2, "Never again", profaneBody)
	if v.Status != statusPending || v.Moderation == nil || *v.Moderation != "profanity" {
		t.Fatalf("flagged review: status %s, moderation %v", v.Status, v.Moderation)
	}
	path := "/v1/reviews/" + v.ReviewID
	wantProblem(t, "the catalog reads a pending review", rg.svc.Call(CallerCatalog, "GET", path, nil), http.StatusNotFound)
	if n := rg.count(`SELECT count(*) FROM reviews.rating_aggregates WHERE review_count > 0`); n != 0 {
		t.Errorf("a pending review counts in %d aggregates", n)
	}
	if p := rg.search(url.Values{"q": {"guide food"}}); len(p.Items) != 0 {
		t.Errorf("a pending review is searchable: %+v", p.Items)
	}
	wantProblem(t, "the catalog lists pending reviews", rg.svc.Call(CallerCatalog, "GET", "/v1/reviews?status=pending", nil),
		http.StatusBadRequest, `"field":"status"`)
	queue := rg.svc.Call(CallerModeration, "GET", "/v1/reviews?status=pending", nil)
	var p listView
	queue.JSON(t, &p)
	if len(p.Items) != 1 || p.Items[0].ReviewID != v.ReviewID {
		t.Fatalf("moderation queue: %d %s", queue.Status, queue.Body)
	}

	wantProblem(t, "a guest moderates", rg.svc.Call(servicetest.Guest(ada), "POST", path+"/moderation", map[string]any{"decision": "publish"}, "If-Match", `"1"`),
		http.StatusForbidden, `"permission":"reviews:moderate"`)
	wantProblem(t, "reject without a reason", rg.svc.Call(CallerModeration, "POST", path+"/moderation", map[string]any{"decision": "reject"}, "If-Match", `"1"`),
		http.StatusBadRequest, `"field":"reason"`)
	ok := rg.svc.Call(CallerModeration, "POST", path+"/moderation", map[string]any{"decision": "publish", "reason": "harsh but fair"}, "If-Match", `"1"`)
	if ok.Status != http.StatusOK {
		t.Fatalf("publish: %d %s", ok.Status, ok.Body)
	}
	pub := servicetest.AwaitEvent[schemas.ReviewPublished](rg.svc, TopicReviewPublished, func(e *schemas.ReviewPublished) bool { return e.ReviewID == v.ReviewID })
	if pub.Rating != 2 || pub.TripID != tripID(7) || pub.GuestID != ada || pub.Metadata.Producer != ServiceName {
		t.Errorf("review.published %+v", pub)
	}
	agg := servicetest.AwaitEvent[schemas.RatingAggregateUpdated](rg.svc, TopicRatingUpdated, func(e *schemas.RatingAggregateUpdated) bool {
		return e.TargetID == tripID(7)
	})
	if agg.TargetType != targetTrip || agg.ReviewCount != 1 || agg.Histogram.TwoStars != 1 || agg.AverageRating != 2 {
		t.Errorf("rating-aggregate.updated %+v", agg)
	}

	// Published, then edited with profanity again: back to pending, uncounted.
	edited := rg.svc.Call(servicetest.Guest(ada), "PATCH", path, map[string]any{"title": "Crap trip, fuck it"}, "If-Match", `"2"`)
	var e reviewView
	edited.JSON(t, &e)
	if edited.Status != http.StatusOK || e.Status != statusPending {
		t.Fatalf("profane edit: %d %s", edited.Status, edited.Body)
	}
	if n := rg.count(`SELECT review_count FROM reviews.rating_aggregates WHERE target_type = 'TRIP' AND target_id = $1`, tripID(7)); n != 0 {
		t.Errorf("a review sent back to moderation still counts: %d", n)
	}
}

// TestHelpfulVotes: one vote per guest (voting again replaces it), none on one's own review,
// and "helpful" orders by the Wilson lower bound: 9 of 10 outranks 1 of 1.
func TestHelpfulVotes(t *testing.T) {
	t.Parallel()
	rg := newRig(t)
	ada, bob := uuid.NewString(), uuid.NewString()
	many := rg.mustSubmit(ada, rg.completedHere(ada, tripID(5)), 5, "", okBody)
	one := rg.mustSubmit(bob, rg.completedHere(bob, tripID(5)), 4, "", okBody)
	vote := func(guest, review string, helpful bool) *servicetest.Response {
		return rg.svc.Call(servicetest.Guest(guest), "PUT", "/v1/reviews/"+review+"/helpful-votes/mine", map[string]any{"helpful": helpful})
	}
	wantProblem(t, "own review", vote(ada, many.ReviewID, true), http.StatusUnprocessableEntity, "own-review")
	wantProblem(t, "no helpful", rg.svc.Call(servicetest.Guest(bob), "PUT", "/v1/reviews/"+many.ReviewID+"/helpful-votes/mine", map[string]any{}),
		http.StatusBadRequest, `"field":"helpful"`)
	for i := range 10 {
		if resp := vote(uuid.NewString(), many.ReviewID, i != 0); resp.Status != http.StatusOK {
			t.Fatalf("vote %d: %d %s", i, resp.Status, resp.Body)
		}
	}
	if resp := vote(ada, one.ReviewID, false); resp.Status != http.StatusOK {
		t.Fatal(resp.Status)
	}
	var r reviewView
	vote(ada, one.ReviewID, true).JSON(t, &r) // changes the vote: still one
	if r.Helpful.Yes != 1 || r.Helpful.Total != 1 || r.Rev != 1 {
		t.Errorf("after a changed vote: %+v, rev %d", r.Helpful, r.Rev)
	}
	resp := rg.svc.Call(CallerCatalog, "GET", "/v1/trips/"+tripID(5)+"/reviews?sort=helpful", nil)
	var p listView
	resp.JSON(t, &p)
	if len(p.Items) != 2 || p.Items[0].ReviewID != many.ReviewID || p.Items[0].Helpful.Yes != 9 || p.Items[0].Helpful.Total != 10 {
		t.Fatalf("most helpful first: %s", resp.Body)
	}
	if !(p.Items[0].Helpful.Score > p.Items[1].Helpful.Score) {
		t.Errorf("Wilson scores %v !> %v", p.Items[0].Helpful.Score, p.Items[1].Helpful.Score)
	}
}

// TestBayesianAverage: with the global mean as prior, two 5-star reviews do not outrank 400
// at 4.8, although their mean is higher.
func TestBayesianAverage(t *testing.T) {
	t.Parallel()
	few := aggregate{Count: 2, Sum: 10}
	many := aggregate{Count: 400, Sum: 1920}
	prior := 4.1
	if few.Mean() <= many.Mean() {
		t.Fatalf("the fixture is wrong: means %v, %v", few.Mean(), many.Mean())
	}
	if b1, b2 := bayesian(few, prior, 10), bayesian(many, prior, 10); b1 >= b2 {
		t.Errorf("bayesian: two 5-star %.3f >= 400 at 4.8 %.3f", b1, b2)
	}
	if b := bayesian(aggregate{}, prior, 10); b != prior {
		t.Errorf("no reviews: %v, want the prior %v", b, prior)
	}
}

// TestRatingEndpoint: the rating of a trip with and without reviews, and who may read it.
func TestRatingEndpoint(t *testing.T) {
	t.Parallel()
	rg := newRig(t)
	ada := uuid.NewString()
	rg.mustSubmit(ada, rg.completedHere(ada, tripID(1)), 5, "", okBody, "guide_id", "GDE-ANA", "guide_rating", 4)
	rg.mustSubmit(ada, rg.completedHere(ada, tripID(2)), 3, "", okBody)
	var r ratingView
	resp := rg.svc.Call(CallerCatalog, "GET", "/v1/ratings/trip/"+tripID(1), nil)
	resp.JSON(t, &r)
	if resp.Status != http.StatusOK || r.ReviewCount != 1 || r.Mean == nil || *r.Mean != 5 || r.PriorMean != 4 || r.Histogram["5"] != 1 {
		t.Errorf("trip rating: %d %s", resp.Status, resp.Body)
	}
	if want := (10*4.0 + 5) / 11; r.BayesianAverage != want {
		t.Errorf("bayesian %v, want %v", r.BayesianAverage, want)
	}
	rg.svc.Call(CallerAnalytics, "GET", "/v1/ratings/guide/GDE-ANA", nil).JSON(t, &r)
	if r.TargetType != targetGuide || r.ReviewCount != 1 || r.Histogram["4"] != 1 {
		t.Errorf("guide rating %+v", r)
	}
	rg.svc.Call(CallerCatalog, "GET", "/v1/ratings/trip/TRP-NONE", nil).JSON(t, &r)
	if r.ReviewCount != 0 || r.Mean != nil || r.BayesianAverage != r.PriorMean {
		t.Errorf("a trip without reviews: %+v", r)
	}
	wantProblem(t, "an unknown target type", rg.svc.Call(CallerCatalog, "GET", "/v1/ratings/hotel/1", nil), http.StatusNotFound)
	wantProblem(t, "no token", rg.svc.Call("", "GET", "/v1/ratings/trip/"+tripID(1), nil), http.StatusUnauthorized)
	wantProblem(t, "the catalog writes", rg.svc.Call(CallerCatalog, "POST", "/v1/reviews", map[string]any{}), http.StatusForbidden, `"permission":"reviews:write"`)
}
