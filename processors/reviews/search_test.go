package reviews

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/novatrek/support/internal/testkit/servicetest"
)

// corpus is a fixed set of published reviews: name → trip, rating, title, body.
var corpus = []struct {
	name, trip string
	rating     int
	title      string
	body       string
}{
	{"rafting-title", "TRP-RAFT", 5, "Whitewater rafting heaven", "Three days on the river with excellent guides and warm evenings."},
	{"rafting-body", "TRP-RAFT", 4, "Good value", "We went rafting twice; the whitewater was gentle in the morning and the camp food was fine."},
	{"canyon-phrase", "TRP-HIKE", 5, "Sunrise hike", "The grand canyon at sunrise was the best moment, grand and quiet."},
	{"canyon-apart", "TRP-HIKE", 3, "Long walk", "The canyon floor was hot; a grand view from the rim but too many people."},
	{"kayak", "TRP-KAYAK", 2, "Cold water", "Kayaking with orcas sounded great, but fog hid everything <b>all day</b>."},
}

// seedCorpus writes the corpus as published reviews (directly: the search is under test,
// not the submission) and returns the review id of each name.
func (rg *rig) seedCorpus() map[string]string {
	rg.t.Helper()
	ids := map[string]string{}
	for i, c := range corpus {
		id := uuid.NewString()
		at := time.Date(2026, 7, 1+i, 12, 0, 0, 0, time.UTC)
		_, err := rg.svc.DB.Exec(context.Background(), `INSERT INTO reviews.reviews (review_id, reservation_id, guest_id, trip_id, rating,
	title, body, language, trip_date, status, created_at, updated_at, published_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, 'en', $8, 'published', $9, $9, $9)`, id, uuid.NewString(), uuid.NewString(), c.trip, c.rating, c.title, c.body, at.Format(time.DateOnly), at)
		if err != nil {
			rg.t.Fatal(err)
		}
		ids[c.name] = id
	}
	return ids
}

// search runs GET /v1/reviews?query as svc-trip-catalog and returns the page.
func (rg *rig) search(query url.Values) listView {
	rg.t.Helper()
	resp := rg.svc.Call(CallerCatalog, "GET", "/v1/reviews?"+query.Encode(), nil)
	if resp.Status != http.StatusOK {
		rg.t.Fatalf("search %s: %d %s", query.Encode(), resp.Status, resp.Body)
	}
	var p listView
	resp.JSON(rg.t, &p)
	return p
}

func names(p listView, ids map[string]string) []string {
	var out []string
	for _, it := range p.Items {
		for n, id := range ids {
			if id == it.ReviewID {
				out = append(out, n)
			}
		}
	}
	return out
}

// TestSearch: websearch syntax on the fixed corpus: a phrase matches only adjacent words,
// -exclusion removes, or widens; ranking puts a title match (weight A) above a body match
// (B); filters narrow; snippets mark the matches and escape the body's HTML.
func TestSearch(t *testing.T) {
	t.Parallel()
	rg := newRig(t, servicetest.WithoutConsumer())
	ids := rg.seedCorpus()
	q := func(kv ...string) url.Values {
		v := url.Values{}
		for i := 0; i < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return v
	}
	for _, tc := range []struct {
		name  string
		query url.Values
		want  []string // in rank order
	}{
		{"title outranks body", q("q", "whitewater rafting"), []string{"rafting-title", "rafting-body"}},
		{"phrase", q("q", `"grand canyon"`), []string{"canyon-phrase"}},
		{"words anywhere", q("q", "grand canyon"), []string{"canyon-phrase", "canyon-apart"}},
		{"exclusion", q("q", "canyon -sunrise"), []string{"canyon-apart"}},
		{"or", q("q", "orcas or sunrise"), []string{"canyon-phrase", "kayak"}},
		{"trip filter", q("q", "canyon or rafting", "trip_id", "TRP-RAFT"), []string{"rafting-title", "rafting-body"}},
		{"rating filter", q("q", "canyon", "min_rating", "4"), []string{"canyon-phrase"}},
		{"date filter", q("q", "rafting", "from", "2026-07-02", "to", "2026-07-02"), []string{"rafting-body"}},
		{"no match", q("q", "volcano"), nil},
	} {
		got := names(rg.search(tc.query), ids)
		if tc.name == "or" || tc.name == "words anywhere" {
			slices.Sort(got) // equal ranks: the order is review_id's
			slices.Sort(tc.want)
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s (%s): got %v, want %v", tc.name, tc.query.Encode(), got, tc.want)
		}
	}

	p := rg.search(q("q", "orcas fog day"))
	if len(p.Items) != 1 || p.Items[0].Snippet == nil || p.Items[0].Rank == nil {
		t.Fatalf("kayak search: %+v", p)
	}
	snip := *p.Items[0].Snippet
	if !strings.Contains(snip, "<mark>orcas</mark>") || !strings.Contains(snip, "<mark>fog</mark>") {
		t.Errorf("snippet %q does not mark the matches", snip)
	}
	if strings.Contains(snip, "<b>") || !strings.Contains(snip, "&lt;b&gt;") {
		t.Errorf("snippet %q passes the body's HTML through", snip)
	}
}

// TestPaginationStableUnderInserts: a client paging a trip's reviews newest first, three at
// a time, sees every review that existed when it started exactly once, although newer
// reviews are published between its pages; OFFSET paging would repeat rows.
func TestPaginationStableUnderInserts(t *testing.T) {
	t.Parallel()
	rg := newRig(t, servicetest.WithoutConsumer())
	a := rg.svc.State
	ctx := context.Background()
	write := func(n int) []string {
		var out []string
		for range n {
			res, guest := uuid.NewString(), uuid.NewString()
			if err := recordReservation(ctx, a.db, reservationFact{ReservationID: res, GuestID: guest, TripID: "TRP-PAGE",
				Status: statusCompleted, Source: sourceEvent, At: time.Now()}); err != nil {
				t.Fatal(err)
			}
			r, err := a.submit(ctx, guest, submission{ReservationID: res, Rating: 4, Body: okBody, Language: "en"})
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, r.ID)
		}
		return out
	}
	before := write(10)
	seen := map[string]int{}
	cursor := ""
	for pages := 0; ; pages++ {
		path := "/v1/trips/TRP-PAGE/reviews?limit=3"
		if cursor != "" {
			path += "&cursor=" + url.QueryEscape(cursor)
		}
		resp := rg.svc.Call(CallerAnalytics, "GET", path, nil)
		var p listView
		resp.JSON(t, &p)
		if resp.Status != http.StatusOK {
			t.Fatalf("page %d: %d %s", pages, resp.Status, resp.Body)
		}
		for _, it := range p.Items {
			seen[it.ReviewID]++
		}
		if p.NextCursor == nil {
			break
		}
		cursor = *p.NextCursor
		write(2) // newer than everything paged so far
	}
	for _, id := range before {
		if seen[id] != 1 {
			t.Errorf("review %s seen %d times", id, seen[id])
		}
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("review %s seen %d times", id, n)
		}
	}
	wantProblem(t, "a cursor of another order", rg.svc.Call(CallerAnalytics, "GET", "/v1/trips/TRP-PAGE/reviews?sort=helpful&cursor="+url.QueryEscape(cursor), nil),
		http.StatusBadRequest, `"field":"cursor"`)
}
