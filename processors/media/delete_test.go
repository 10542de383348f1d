package media

import (
	"net/http"
	"strings"
	"testing"

	"github.com/novatrek/support/internal/testkit/servicetest"
)

// TestOwnerAndStaffDeleteMedia: the uploader deletes their photo through guest-app: the
// item becomes a 'deleted' tombstone without URLs, leaves the trip's listing, and its
// original, thumbnail and preview are gone from S3 (the download URLs handed out before
// answer 404); deleting again is a 204 as well. Someone else may not (403 not-the-owner),
// nor may svc-analytics; requested_by is required (400 naming it); staff
// (media-moderation) deletes anyone's item; a pending upload is a 409 and an unknown item
// a 404. No event is written for a deletion (the relay is off: the outbox keeps every
// message, so the count is exact).
func TestOwnerAndStaffDeleteMedia(t *testing.T) {
	t.Parallel()
	svc := start(t, servicetest.WithoutRelay())
	res := booked(svc, "delete", "COMPLETED")
	other := booked(svc, "delete-other", "COMPLETED")
	g, r := uploaded(t, svc, res, "image/jpeg", photo(t, 600, 400))
	var v itemView
	r.JSON(t, &v)
	if v.State != "ready" || v.URLs == nil {
		t.Fatalf("complete = %s; want ready", r.Body)
	}
	urls := []string{v.URLs.Original, v.URLs.Thumbnail, v.URLs.Preview}
	events := outboxCount(t, svc)
	self := "/v1/media/" + g.AssetID

	for _, c := range []struct {
		name, caller, query string
		want                int
		body                string
	}{
		{"another guest", CallerApp, "?requested_by=" + other.GuestID, http.StatusForbidden, "not-the-owner"},
		{"svc-analytics", CallerAnalytics, "?requested_by=" + res.GuestID, http.StatusForbidden, ""},
		{"no requested_by", CallerApp, "", http.StatusBadRequest, `"field":"requested_by"`},
		{"an unknown item", CallerApp, "?requested_by=" + res.GuestID, http.StatusNotFound, ""},
	} {
		path := self
		if c.name == "an unknown item" {
			path = "/v1/media/7d3e7c1e-0000-4000-8000-000000000009"
		}
		if r := svc.Call(c.caller, "DELETE", path+c.query, nil); r.Status != c.want || !strings.Contains(string(r.Body), c.body) {
			t.Errorf("%s: DELETE = %d %s; want %d %s", c.name, r.Status, r.Body, c.want, c.body)
		}
	}
	for i := range 2 { // the second repeats the removal
		if r := svc.Call(CallerApp, "DELETE", self+"?requested_by="+res.GuestID, nil); r.Status != http.StatusNoContent {
			t.Fatalf("owner's delete %d = %d %s; want 204", i+1, r.Status, r.Body)
		}
	}
	r = svc.Call(CallerApp, "GET", self, nil)
	var gone itemView
	r.JSON(t, &gone)
	if r.Status != http.StatusOK || gone.State != "deleted" || gone.URLs != nil {
		t.Errorf("GET a deleted item = %d %s; want state deleted, no URLs", r.Status, r.Body)
	}
	for _, u := range urls {
		if status, _ := get(t, u); status != http.StatusNotFound {
			t.Errorf("a download URL handed out before the delete answers %d; want 404 (the object is gone)", status)
		}
	}
	var list page
	svc.Call(CallerApp, "GET", "/v1/trips/"+res.TripID+"/media", nil).JSON(t, &list)
	if len(list.Items) != 0 {
		t.Errorf("the trip still lists %d items after the delete", len(list.Items))
	}

	g2, _ := uploaded(t, svc, other, "image/jpeg", photo(t, 300, 200))
	if r := svc.Call(CallerModeration, "DELETE", "/v1/media/"+g2.AssetID+"?requested_by=staff-0042", nil); r.Status != http.StatusNoContent {
		t.Errorf("staff delete = %d %s; want 204", r.Status, r.Body)
	}
	pending := grant(t, svc, res, "image/jpeg")
	if r := svc.Call(CallerApp, "DELETE", "/v1/media/"+pending.AssetID+"?requested_by="+res.GuestID, nil); r.Status != http.StatusConflict ||
		!strings.Contains(string(r.Body), "media-pending") {
		t.Errorf("deleting a pending upload = %d %s; want 409 media-pending", r.Status, r.Body)
	}
	// One more ready item (g2) was announced; the deletions announced nothing.
	if n := outboxCount(t, svc); n != events+1 {
		t.Errorf("%d outbox messages; want %d (the second upload's only)", n, events+1)
	}
	var by string
	if err := svc.DB.QueryRow(t.Context(), `SELECT deleted_by FROM media.media_items WHERE asset_id = $1`, g2.AssetID).Scan(&by); err != nil || by != "staff-0042" {
		t.Errorf("deleted_by = %q (%v); want the staff member", by, err)
	}
}

// outboxCount is the number of messages in the service's outbox.
func outboxCount(t *testing.T, svc *servicetest.Service[*app]) int {
	t.Helper()
	var n int
	if err := svc.DB.QueryRow(t.Context(), `SELECT count(*) FROM media.outbox`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
