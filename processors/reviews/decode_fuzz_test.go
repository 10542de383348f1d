package reviews

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/novatrek/support/internal/platform/fault"
	"github.com/novatrek/support/internal/platform/problem"
)

// The request decoders are fuzzed: whatever the input, they return a valid value or a 400
// problem (If-Match: a 428 or 412 fault), never panic, and what they accept satisfies every
// rule the domain code relies on. Seeds live in testdata/fuzz/<FuzzName>/.

// wantBadRequest fails unless err is a 400 validation problem.
func wantBadRequest(t *testing.T, err error) {
	t.Helper()
	var p *problem.Problem
	if !errors.As(err, &p) || p.Status != http.StatusBadRequest || p.Type != problem.TypeValidation || p.Detail == "" {
		t.Fatalf("decoder error %v; want a 400 validation problem", err)
	}
}

func validText(t *testing.T, field, s string, minLen, maxLen int) {
	t.Helper()
	if !utf8.ValidString(s) || utf8.RuneCountInString(s) > maxLen || utf8.RuneCountInString(s) < minLen {
		t.Fatalf("accepted %s of %d characters", field, utf8.RuneCountInString(s))
	}
}

func FuzzParseSubmit(f *testing.F) {
	f.Add([]byte(`{"reservation_id":"7f1e2d3c-4b5a-4978-8685-a4b3c2d1e0f9","rating":5,"body":"A wonderful trip with a patient guide."}`))
	f.Add([]byte(`{"reservation_id":"7f1e2d3c-4b5a-4978-8685-a4b3c2d1e0f9","rating":4,"guide_id":"GDE-1","guide_rating":5,"title":"Great","body":"Ten chars and more","language":"pt-BR"}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		in, err := parseSubmit(body)
		if err != nil {
			wantBadRequest(t, err)
			return
		}
		if !isUUID(in.ReservationID) || in.Rating < 1 || in.Rating > 5 {
			t.Fatalf("accepted %+v", in)
		}
		if in.GuideRating != nil && (in.GuideID == nil || *in.GuideRating < 1 || *in.GuideRating > 5) {
			t.Fatalf("accepted a guide rating %v without a valid guide", *in.GuideRating)
		}
		validText(t, "body", in.Body, minBody, maxBody)
		if in.Title != nil {
			validText(t, "title", *in.Title, 1, maxTitle)
		}
		if !languagePattern.MatchString(in.Language) {
			t.Fatalf("accepted language %q", in.Language)
		}
	})
}

func FuzzParseEdit(f *testing.F) {
	f.Add([]byte(`{"rating":3}`))
	f.Add([]byte(`{"title":null,"body":"A different story now."}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		e, err := parseEdit(body)
		if err != nil {
			wantBadRequest(t, err)
			return
		}
		if e.Rating == nil && e.GuideRating == nil && e.Title == nil && e.Body == nil && !e.ClearTitle {
			t.Fatal("accepted an edit that changes nothing")
		}
		if e.Rating != nil && (*e.Rating < 1 || *e.Rating > 5) {
			t.Fatalf("accepted rating %d", *e.Rating)
		}
		if e.Body != nil {
			validText(t, "body", *e.Body, minBody, maxBody)
		}
	})
}

func FuzzParseQuery(f *testing.F) {
	f.Add(`q=%22grand+canyon%22+-crowds&trip_id=TRP-1&min_rating=3&from=2026-01-01&limit=5`)
	f.Add(`sort=helpful&cursor=eyJzIjoiaGVscGZ1bCIsInYiOiIwLjUiLCJpZCI6IjdmMWUyZDNjLTRiNWEtNDk3OC04Njg1LWE0YjNjMmQxZTBmOSJ9`)
	f.Fuzz(func(t *testing.T, raw string) {
		v, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		q, err := parseQuery(v, false)
		if err != nil {
			wantBadRequest(t, err)
			return
		}
		if q.Status != statusPublished || q.Limit < 1 || q.Limit > maxLimit || q.MinRating > q.MaxRating {
			t.Fatalf("accepted %+v", q)
		}
		if q.Sort == sortRelevance && q.Text == "" {
			t.Fatal("accepted relevance without a search")
		}
		if q.HasCursor && (q.AfterValue == nil || !isUUID(q.AfterID)) {
			t.Fatalf("accepted cursor %v %q", q.AfterValue, q.AfterID)
		}
	})
}

func FuzzParseIfMatch(f *testing.F) {
	for _, s := range []string{`"1"`, `*`, `W/"2"`, `"0"`, `"99999999999999999999"`, ``} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, h string) {
		rev, err := parseIfMatch(h)
		if err != nil {
			fe, ok := fault.As(err)
			if !ok || (fe.Kind != fault.KindPreconditionRequired && fe.Kind != fault.KindPreconditionFailed) {
				t.Fatalf("If-Match %q: %v; want a 428 or 412 fault", h, err)
			}
			return
		}
		if rev < 1 || etag(rev) != strings.TrimSpace(h) {
			t.Fatalf("If-Match %q accepted as revision %d", h, rev)
		}
	})
}
