package reviews

import (
	"io"
	"net/http"
	"strings"

	"github.com/novatrek/support/internal/platform/apiauth"
	"github.com/novatrek/support/internal/platform/fault"
	"github.com/novatrek/support/internal/platform/httpedge"
	"github.com/novatrek/support/internal/platform/problem"
)

// caller is the request's authenticated caller (the edge put it there).
func caller(r *http.Request) apiauth.Caller {
	c, _ := apiauth.CallerFrom(r.Context())
	return c
}

// body reads the request body (bounded by the edge).
func body(r *http.Request) ([]byte, error) {
	b, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, problem.Validation("The request body could not be read.")
	}
	return b, nil
}

// reviewID is the {id} path value, or a 404 (an id that is not a UUID names no review).
func reviewID(r *http.Request) (string, error) {
	id := r.PathValue("id")
	if !isUUID(id) {
		return "", fault.NotFound("No review " + id + ".")
	}
	return id, nil
}

// writeReview answers one review with its ETag.
func writeReview(w http.ResponseWriter, status int, rv *review, c apiauth.Caller) error {
	w.Header().Set("ETag", etag(rv.Rev))
	return httpedge.WriteJSON(w, status, view(rv, c))
}

// handleSubmit is POST /v1/reviews: a guest reviews one of their completed reservations.
func (a *app) handleSubmit(w http.ResponseWriter, r *http.Request) error {
	b, err := body(r)
	if err != nil {
		return err
	}
	in, err := parseSubmit(b)
	if err != nil {
		return err
	}
	c := caller(r)
	rv, err := a.submit(r.Context(), c.Guest, in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/v1/reviews/"+rv.ID)
	return writeReview(w, http.StatusCreated, rv, c)
}

// handleGet is GET /v1/reviews/{id}: published reviews to every reader; a guest also sees
// their own unpublished ones, a moderator every one.
func (a *app) handleGet(w http.ResponseWriter, r *http.Request) error {
	id, err := reviewID(r)
	if err != nil {
		return err
	}
	rv, err := loadReview(r.Context(), a.db, id, false)
	if err != nil {
		return err
	}
	c := caller(r)
	if rv == nil || !visible(rv, c) {
		return fault.NotFound("No review " + id + ".")
	}
	return writeReview(w, http.StatusOK, rv, c)
}

// visible says whether c may read rv.
func visible(rv *review, c apiauth.Caller) bool {
	return rv.Status == statusPublished || c.Name == CallerModeration || (c.Guest != "" && c.Guest == rv.GuestID)
}

// handleEdit is PATCH /v1/reviews/{id} with If-Match: the author changes ratings or text.
func (a *app) handleEdit(w http.ResponseWriter, r *http.Request) error {
	id, rev, err := target(r)
	if err != nil {
		return err
	}
	b, err := body(r)
	if err != nil {
		return err
	}
	e, err := parseEdit(b)
	if err != nil {
		return err
	}
	c := caller(r)
	rv, err := a.revise(r.Context(), id, rev, c.Guest, func(old review) (*review, error) { return a.applyEdit(old, e) })
	if err != nil {
		return err
	}
	return writeReview(w, http.StatusOK, rv, c)
}

// handleDelete is DELETE /v1/reviews/{id} with If-Match: the author withdraws the review
// (the reservation may then be reviewed again).
func (a *app) handleDelete(w http.ResponseWriter, r *http.Request) error {
	id, rev, err := target(r)
	if err != nil {
		return err
	}
	if _, err := a.revise(r.Context(), id, rev, caller(r).Guest, func(review) (*review, error) { return nil, nil }); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// handleModerate is POST /v1/reviews/{id}/moderation with If-Match: a moderator publishes
// or rejects the revision they read.
func (a *app) handleModerate(w http.ResponseWriter, r *http.Request) error {
	id, rev, err := target(r)
	if err != nil {
		return err
	}
	b, err := body(r)
	if err != nil {
		return err
	}
	d, err := parseDecision(b)
	if err != nil {
		return err
	}
	rv, err := a.revise(r.Context(), id, rev, "", func(old review) (*review, error) { return a.applyDecision(old, d) })
	if err != nil {
		return err
	}
	return writeReview(w, http.StatusOK, rv, caller(r))
}

// target is the review id and the If-Match revision of a write.
func target(r *http.Request) (string, int, error) {
	id, err := reviewID(r)
	if err != nil {
		return "", 0, err
	}
	rev, err := parseIfMatch(r.Header.Get("If-Match"))
	return id, rev, err
}

// handleVote is PUT /v1/reviews/{id}/helpful-votes/mine: the guest's vote, replacing any
// earlier one.
func (a *app) handleVote(w http.ResponseWriter, r *http.Request) error {
	id, err := reviewID(r)
	if err != nil {
		return err
	}
	b, err := body(r)
	if err != nil {
		return err
	}
	helpful, err := parseVote(b)
	if err != nil {
		return err
	}
	c := caller(r)
	rv, err := a.castVote(r.Context(), id, c.Guest, helpful)
	if err != nil {
		return err
	}
	return writeReview(w, http.StatusOK, rv, c)
}

// handleListByTrip is GET /v1/trips/{id}/reviews.
func (a *app) handleListByTrip(w http.ResponseWriter, r *http.Request) error {
	return a.list(w, r, "trip_id")
}

// handleListByGuide is GET /v1/guides/{id}/reviews.
func (a *app) handleListByGuide(w http.ResponseWriter, r *http.Request) error {
	return a.list(w, r, "guide_id")
}

// list answers the published reviews of one trip or guide (the path's id), recent or most
// helpful first, with the search's filters.
func (a *app) list(w http.ResponseWriter, r *http.Request, by string) error {
	v := r.URL.Query()
	if v.Has(by) {
		return problem.Validation(by+" is the path's.", problem.FieldError{Field: by, Reason: "given in the path"})
	}
	v.Set(by, r.PathValue("id"))
	return a.answerQuery(w, r, v)
}

// handleSearch is GET /v1/reviews: full-text search with filters, or a filtered list
// without q; moderators list pending reviews with status=pending.
func (a *app) handleSearch(w http.ResponseWriter, r *http.Request) error {
	return a.answerQuery(w, r, r.URL.Query())
}

func (a *app) answerQuery(w http.ResponseWriter, r *http.Request, v map[string][]string) error {
	c := caller(r)
	q, err := parseQuery(v, c.Name == CallerModeration)
	if err != nil {
		return err
	}
	p, err := find(r.Context(), a.db, q)
	if err != nil {
		return err
	}
	out := listView{Items: make([]reviewView, 0, len(p.Hits))}
	for _, h := range p.Hits {
		rv := view(h.review, c)
		if q.Text != "" {
			rank := h.Rank
			rv.Rank, rv.Snippet = &rank, h.Snippet
		}
		out.Items = append(out.Items, rv)
	}
	if p.Next != "" {
		out.NextCursor = &p.Next
	}
	return httpedge.WriteJSON(w, http.StatusOK, out)
}

// handleRating is GET /v1/ratings/{type}/{id}: a trip's or guide's aggregate with its mean
// and Bayesian average (svc-trip-catalog ranks by the latter).
func (a *app) handleRating(w http.ResponseWriter, r *http.Request) error {
	typ := strings.ToUpper(r.PathValue("type"))
	id := r.PathValue("id")
	if typ != targetTrip && typ != targetGuide {
		return fault.NotFound("Ratings are of trip or guide, not " + r.PathValue("type") + ".")
	}
	if !idPattern.MatchString(id) {
		return fault.NotFound("No " + strings.ToLower(typ) + " " + id + ".")
	}
	g, prior, err := rating(r.Context(), a.db, typ, id)
	if err != nil {
		return err
	}
	return httpedge.WriteJSON(w, http.StatusOK, ratingOf(g, prior, float64(a.cfg.PriorWeight)))
}
