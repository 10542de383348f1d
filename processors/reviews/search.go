package reviews

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/novatrek/support/internal/platform/store"
)

// query is a validated list or search request (decode.go).
type query struct {
	// Text is websearch syntax ("quoted phrase", or, -exclusion); "" lists without search.
	Text            string
	TripID, GuideID *string
	MinRating       int
	MaxRating       int
	From, To        *time.Time // trip date, inclusive
	Status          string
	Sort            string
	Limit           int
	AfterValue      any
	AfterID         string
	HasCursor       bool
}

// hit is a review a query found, with its rank and highlighted snippet when searched.
type hit struct {
	*review
	Rank    float64
	Snippet *string
}

// page is one page of hits and the cursor of the next ("" at the end).
type page struct {
	Hits []hit
	Next string
}

// find runs q: the filters, then the order with keyset pagination (one row more than the
// limit tells whether a next page exists). A search ranks by ts_rank_cd over the weighted
// tsvector (title A, body B) and highlights the body with ts_headline, computed on the
// page's rows only; the body is HTML-escaped first, so the snippet is safe HTML whose only
// tags are <mark>.
func find(ctx context.Context, db store.DB, q query) (page, error) {
	var where []string
	args := []any{}
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	where = append(where, "status = "+arg(q.Status))
	rank, tsq := "0::float8", ""
	if q.Text != "" {
		tsq = "websearch_to_tsquery('english', " + arg(q.Text) + ")"
		where = append(where, "search @@ "+tsq)
		rank = "ts_rank_cd(search, " + tsq + ")::float8"
	}
	if q.TripID != nil {
		where = append(where, "trip_id = "+arg(*q.TripID))
	}
	if q.GuideID != nil {
		where = append(where, "guide_id = "+arg(*q.GuideID))
	}
	if q.MinRating > 1 {
		where = append(where, "rating >= "+arg(q.MinRating))
	}
	if q.MaxRating < 5 {
		where = append(where, "rating <= "+arg(q.MaxRating))
	}
	if q.From != nil {
		where = append(where, "trip_date >= "+arg(*q.From))
	}
	if q.To != nil {
		where = append(where, "trip_date <= "+arg(*q.To))
	}
	key := map[string]string{sortRelevance: rank, sortHelpful: "helpful_score", sortRecent: "published_at"}[q.Sort]
	if q.Sort == sortRecent && q.Status != statusPublished {
		key = "created_at"
	}
	if q.HasCursor {
		where = append(where, "("+key+", review_id) < ("+arg(q.AfterValue)+", "+arg(q.AfterID)+"::uuid)")
	}
	snippet := "NULL::text"
	if q.Text != "" {
		snippet = `ts_headline('english', replace(replace(replace(body, '&', '&amp;'), '<', '&lt;'), '>', '&gt;'),
	` + tsq + `, 'StartSel=<mark>, StopSel=</mark>, MaxWords=30, MinWords=12, MaxFragments=2')`
	}
	// PostgreSQL evaluates the costly ts_headline after ORDER BY and LIMIT: for the page only.
	sql := `SELECT ` + reviewCols + `, ` + rank + ` AS rank, ` + snippet + ` FROM reviews.reviews WHERE ` + strings.Join(where, " AND ") +
		` ORDER BY ` + key + ` DESC, review_id DESC LIMIT ` + arg(q.Limit+1)
	rows, err := db.Query(ctx, sql, args...)
	if err != nil {
		return page{}, fmt.Errorf("find reviews: %w", err)
	}
	defer rows.Close()
	var out page
	for rows.Next() {
		var h hit
		r, err := scanReview(rows, &h.Rank, &h.Snippet)
		if err != nil {
			return page{}, fmt.Errorf("find reviews: %w", err)
		}
		h.review = r
		out.Hits = append(out.Hits, h)
	}
	if err := rows.Err(); err != nil {
		return page{}, fmt.Errorf("find reviews: %w", err)
	}
	if len(out.Hits) > q.Limit {
		out.Hits = out.Hits[:q.Limit]
		last := out.Hits[len(out.Hits)-1]
		var v any
		switch {
		case q.Sort == sortRelevance:
			v = last.Rank
		case q.Sort == sortHelpful:
			v = last.HelpfulScore
		case q.Status == statusPublished:
			v = *last.PublishedAt
		default:
			v = last.CreatedAt
		}
		out.Next = cursorAfter(q.Sort, v, last.ID)
	}
	return out, nil
}
