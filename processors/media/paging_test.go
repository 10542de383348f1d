package media

import (
	"bytes"
	"image/png"
	"net/http"
	"testing"
)

// pngPhoto is a small PNG.
func pngPhoto(t *testing.T) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, card(40, 30)); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestTripListingPagesByKeyset: five ready items come back newest first in pages of two,
// each exactly once, and a forged cursor is a 400 naming it.
func TestTripListingPagesByKeyset(t *testing.T) {
	t.Parallel()
	svc := start(t)
	res := booked(svc, "paging", "CONFIRMED")
	var made []string
	for range 5 {
		g, r := uploaded(t, svc, res, "image/png", pngPhoto(t))
		if r.Status != http.StatusOK {
			t.Fatalf("complete = %d %s", r.Status, r.Body)
		}
		made = append(made, g.AssetID)
	}
	var seen []string
	cursor := ""
	for pages := 0; ; pages++ {
		if pages > 3 {
			t.Fatal("more than 3 pages of 2 for 5 items")
		}
		r := svc.Call(CallerAnalytics, "GET", "/v1/trips/"+res.TripID+"/media?limit=2&cursor="+cursor, nil)
		var p page
		r.JSON(t, &p)
		if r.Status != http.StatusOK || len(p.Items) > 2 {
			t.Fatalf("page = %d %s", r.Status, r.Body)
		}
		for _, it := range p.Items {
			seen = append(seen, it.AssetID)
		}
		if p.NextCursor == "" {
			break
		}
		cursor = p.NextCursor
	}
	if len(seen) != 5 {
		t.Fatalf("listed %v; want the 5 items once each", seen)
	}
	for i := range seen { // newest first: the reverse of the upload order
		if seen[i] != made[4-i] {
			t.Errorf("position %d: %s; want %s", i, seen[i], made[4-i])
		}
	}
	if r := svc.Call(CallerAnalytics, "GET", "/v1/trips/"+res.TripID+"/media?cursor=forged", nil); r.Status != http.StatusBadRequest ||
		!bytes.Contains(r.Body, []byte(`"field":"cursor"`)) {
		t.Errorf("forged cursor = %d %s; want 400 naming cursor", r.Status, r.Body)
	}
}
