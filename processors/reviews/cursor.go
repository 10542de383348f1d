package reviews

import (
	"encoding/base64"
	"encoding/json"
	"math"
	"strconv"
	"time"

	"github.com/google/uuid"
)

// Orders of a list (keyset pagination: each ends in review_id, so the order is total).
const (
	sortRelevance = "relevance" // ts_rank_cd of the search, highest first
	sortRecent    = "recent"    // newest first
	sortHelpful   = "helpful"   // Wilson score lower bound, highest first
)

// cursor is where the next page starts: the last row's sort value and id. It is opaque to
// clients (base64url JSON) and carries its sort, so it cannot be replayed under another.
// Keyset, not OFFSET: a page costs the same at any depth, and reviews published meanwhile
// never shift a page (no row is repeated or skipped).
type cursor struct {
	Sort  string `json:"s"`
	Value string `json:"v"`
	ID    string `json:"id"`
}

func (c cursor) encode() string {
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

// cursorAfter is the cursor after a row whose sort value is v (a time or a float).
func cursorAfter(sort string, v any, id string) string {
	c := cursor{Sort: sort, ID: id}
	switch x := v.(type) {
	case time.Time:
		c.Value = x.UTC().Format(time.RFC3339Nano)
	case float64:
		c.Value = strconv.FormatFloat(x, 'g', -1, 64)
	}
	return c.encode()
}

// parseCursor decodes s for sort; ok is false for anything not made by cursorAfter under
// the same sort. value is a time.Time or a float64.
func parseCursor(s, sort string) (value any, id string, ok bool) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) > 256 {
		return nil, "", false
	}
	var c cursor
	if json.Unmarshal(b, &c) != nil || c.Sort != sort {
		return nil, "", false
	}
	if u, err := uuid.Parse(c.ID); err != nil || u.String() != c.ID {
		return nil, "", false
	}
	if sort == sortRecent {
		t, err := time.Parse(time.RFC3339Nano, c.Value)
		if err != nil {
			return nil, "", false
		}
		return t, c.ID, true
	}
	f, err := strconv.ParseFloat(c.Value, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return nil, "", false
	}
	return f, c.ID, true
}
