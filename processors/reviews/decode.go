package reviews

import (
	"encoding/json"
	"maps"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/novatrek/support/internal/platform/fault"
	"github.com/novatrek/support/internal/platform/httpedge"
	"github.com/novatrek/support/internal/platform/problem"
)

// The request decoders turn a body or a query string into a validated input, or a 400
// problem naming every invalid field. They are strict (unknown fields and wrong types are
// errors) and fuzzed (decode_fuzz_test.go).

// Limits of the texts: a title is a line, a body a few paragraphs.
const (
	maxTitle    = 120
	maxBody     = 5000
	minBody     = 10
	maxLimit    = 100
	defaultSize = 20
)

var (
	idPattern       = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$`)
	languagePattern = regexp.MustCompile(`^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$`)
)

type submitRequest struct {
	ReservationID string  `json:"reservation_id"`
	GuideID       *string `json:"guide_id"`
	Rating        int     `json:"rating"`
	GuideRating   *int    `json:"guide_rating"`
	Title         *string `json:"title"`
	Body          string  `json:"body"`
	Language      *string `json:"language"`
}

// editRequest is a JSON merge patch of the editable fields; "title": null removes the title.
type editRequest struct {
	Rating      *int           `json:"rating"`
	GuideRating *int           `json:"guide_rating"`
	Title       optionalString `json:"title"`
	Body        *string        `json:"body"`
}

// optionalString tells an absent member from an explicit null.
type optionalString struct {
	Set   bool
	Value *string
}

func (o *optionalString) UnmarshalJSON(b []byte) error {
	o.Set = true
	if string(b) == "null" {
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	o.Value = &s
	return nil
}

type decisionRequest struct {
	Decision string  `json:"decision"`
	Reason   *string `json:"reason"`
}

type voteRequest struct {
	Helpful *bool `json:"helpful"`
}

// fields collects the invalid fields of one request.
type fields []problem.FieldError

func (f *fields) add(field, reason string) {
	*f = append(*f, problem.FieldError{Field: field, Reason: reason})
}

// err is the 400 listing the fields, or nil.
func (f fields) err() error {
	if len(f) == 0 {
		return nil
	}
	return problem.Validation("Some fields are invalid.", f...)
}

func (f *fields) stars(field string, v int) {
	if v < 1 || v > 5 {
		f.add(field, "must be an integer from 1 to 5")
	}
}

// text checks a free text of minLen..maxLen characters without control characters (line
// breaks and tabs are allowed).
func (f *fields) text(field, s string, minLen, maxLen int) {
	n := utf8.RuneCountInString(strings.TrimSpace(s))
	if n < minLen || utf8.RuneCountInString(s) > maxLen {
		f.add(field, "must be "+strconv.Itoa(minLen)+" to "+strconv.Itoa(maxLen)+" characters")
		return
	}
	for _, r := range s {
		if r < 0x20 && r != '\n' && r != '\t' && r != '\r' || r == 0x7f {
			f.add(field, "must not hold control characters")
			return
		}
	}
}

func isUUID(s string) bool {
	u, err := uuid.Parse(s)
	return err == nil && u.String() == s
}

func parseSubmit(body []byte) (submission, error) {
	var req submitRequest
	if p := httpedge.DecodeBody(body, &req); p != nil {
		return submission{}, p
	}
	var f fields
	if !isUUID(req.ReservationID) {
		f.add("reservation_id", "must be a lower-case UUID")
	}
	f.stars("rating", req.Rating)
	if req.GuideID != nil && !idPattern.MatchString(*req.GuideID) {
		f.add("guide_id", "must be 1 to 64 letters, digits or . _ : -")
	}
	if req.GuideRating != nil {
		f.stars("guide_rating", *req.GuideRating)
		if req.GuideID == nil {
			f.add("guide_rating", "needs guide_id")
		}
	}
	if req.Title != nil {
		f.text("title", *req.Title, 1, maxTitle)
	}
	f.text("body", req.Body, minBody, maxBody)
	lang := "en"
	if req.Language != nil {
		lang = *req.Language
		if !languagePattern.MatchString(lang) || len(lang) > 35 {
			f.add("language", "must be a BCP 47 tag such as en or pt-BR")
		}
	}
	in := submission{ReservationID: req.ReservationID, GuideID: req.GuideID, Rating: req.Rating,
		GuideRating: req.GuideRating, Title: req.Title, Body: req.Body, Language: lang}
	return in, f.err()
}

func parseEdit(body []byte) (edit, error) {
	var req editRequest
	if p := httpedge.DecodeBody(body, &req); p != nil {
		return edit{}, p
	}
	var f fields
	if req.Rating != nil {
		f.stars("rating", *req.Rating)
	}
	if req.GuideRating != nil {
		f.stars("guide_rating", *req.GuideRating)
	}
	if req.Title.Value != nil {
		f.text("title", *req.Title.Value, 1, maxTitle)
	}
	if req.Body != nil {
		f.text("body", *req.Body, minBody, maxBody)
	}
	if req.Rating == nil && req.GuideRating == nil && !req.Title.Set && req.Body == nil {
		f.add("body", "the patch changes nothing: give rating, guide_rating, title or body")
	}
	e := edit{Rating: req.Rating, GuideRating: req.GuideRating, Title: req.Title.Value, Body: req.Body,
		ClearTitle: req.Title.Set && req.Title.Value == nil}
	return e, f.err()
}

func parseDecision(body []byte) (decision, error) {
	var req decisionRequest
	if p := httpedge.DecodeBody(body, &req); p != nil {
		return decision{}, p
	}
	var f fields
	if req.Decision != "publish" && req.Decision != "reject" {
		f.add("decision", "must be publish or reject")
	}
	if req.Reason != nil {
		f.text("reason", *req.Reason, 1, 500)
	}
	if req.Decision == "reject" && req.Reason == nil {
		f.add("reason", "required to reject")
	}
	return decision{Publish: req.Decision == "publish", Reason: req.Reason}, f.err()
}

func parseVote(body []byte) (bool, error) {
	var req voteRequest
	if p := httpedge.DecodeBody(body, &req); p != nil {
		return false, p
	}
	if req.Helpful == nil {
		return false, problem.Validation("helpful is required.", problem.FieldError{Field: "helpful", Reason: "required"})
	}
	return *req.Helpful, nil
}

// parseQuery reads a list or search query string; moderator says whether status may ask
// for pending or rejected reviews.
func parseQuery(v url.Values, moderator bool) (query, error) {
	var f fields
	for _, name := range slices.Sorted(maps.Keys(v)) {
		if !knownParams[name] {
			f.add(name, "unknown parameter")
		} else if len(v[name]) > 1 {
			f.add(name, "given more than once")
		}
	}
	q := query{Text: strings.TrimSpace(v.Get("q")), MinRating: 1, MaxRating: 5, Status: statusPublished, Limit: defaultSize}
	if utf8.RuneCountInString(q.Text) > 200 {
		f.add("q", "must be at most 200 characters")
	}
	for _, p := range []struct {
		name string
		dst  **string
	}{{"trip_id", &q.TripID}, {"guide_id", &q.GuideID}} {
		name, dst := p.name, p.dst
		if s := v.Get(name); s != "" {
			if !idPattern.MatchString(s) {
				f.add(name, "must be 1 to 64 letters, digits or . _ : -")
			}
			*dst = &s
		}
	}
	for _, p := range []struct {
		name string
		dst  *int
	}{{"min_rating", &q.MinRating}, {"max_rating", &q.MaxRating}} {
		name, dst := p.name, p.dst
		if s := v.Get(name); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil || n < 1 || n > 5 {
				f.add(name, "must be an integer from 1 to 5")
				continue
			}
			*dst = n
		}
	}
	if q.MinRating > q.MaxRating {
		f.add("min_rating", "must not exceed max_rating")
	}
	for _, p := range []struct {
		name string
		dst  **time.Time
	}{{"from", &q.From}, {"to", &q.To}} {
		name, dst := p.name, p.dst
		if s := v.Get(name); s != "" {
			d, err := time.Parse(time.DateOnly, s)
			if err != nil || d.Year() < 2000 || d.Year() > 2200 {
				f.add(name, "must be a date YYYY-MM-DD")
				continue
			}
			*dst = &d
		}
	}
	if s := v.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > maxLimit {
			f.add("limit", "must be an integer from 1 to "+strconv.Itoa(maxLimit))
		} else {
			q.Limit = n
		}
	}
	if s := v.Get("status"); s != "" {
		switch {
		case s != statusPublished && s != statusPending && s != statusRejected:
			f.add("status", "must be published, pending or rejected")
		case s != statusPublished && !moderator:
			f.add("status", "only moderators list unpublished reviews")
		}
		q.Status = s
	}
	q.Sort = v.Get("sort")
	switch {
	case q.Sort == "" && q.Text != "":
		q.Sort = sortRelevance
	case q.Sort == "":
		q.Sort = sortRecent
	case q.Sort == sortRelevance && q.Text == "":
		f.add("sort", "relevance needs q")
	case q.Sort != sortRelevance && q.Sort != sortRecent && q.Sort != sortHelpful:
		f.add("sort", "must be relevance, recent or helpful")
	}
	if s := v.Get("cursor"); s != "" {
		val, id, ok := parseCursor(s, q.Sort)
		if !ok {
			f.add("cursor", "is not a cursor of this list's order; start again without it")
		}
		q.AfterValue, q.AfterID, q.HasCursor = val, id, ok
	}
	return q, f.err()
}

var knownParams = map[string]bool{"q": true, "trip_id": true, "guide_id": true, "min_rating": true, "max_rating": true,
	"from": true, "to": true, "limit": true, "status": true, "sort": true, "cursor": true}

// parseIfMatch reads the revision of an If-Match header: 428 without one (or with *, which
// would match any revision and so protect nothing), 412 for one that is not ours.
func parseIfMatch(h string) (int, error) {
	h = strings.TrimSpace(h)
	if h == "" || h == "*" {
		return 0, fault.PreconditionRequired("Send If-Match with the review's ETag (its _rev, quoted) so that an edit never overwrites a change you have not seen.")
	}
	if len(h) < 3 || h[0] != '"' || h[len(h)-1] != '"' {
		return 0, fault.PreconditionFailed("If-Match must be the review's ETag, a quoted revision such as \"3\".")
	}
	n, err := strconv.Atoi(h[1 : len(h)-1])
	if err != nil || n < 1 {
		return 0, fault.PreconditionFailed("If-Match must be the review's ETag, a quoted revision such as \"3\".")
	}
	return n, nil
}
