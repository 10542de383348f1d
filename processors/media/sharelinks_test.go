package media

import (
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/novatrek/support/internal/testkit/servicetest"
)

// TestShareLinks: a password-protected album link opens only with its password (403
// otherwise, the same for none and wrong), hands out presigned previews but no original of
// an item whose owner did not share its location, stops at its expiry (410) and at its
// revocation (410); an item link is revocable once and again.
func TestShareLinks(t *testing.T) {
	t.Parallel()
	var offset atomic.Int64 // the service's clock runs offset ahead of the real one
	svc := start(t, servicetest.WithClock(func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }))
	res := booked(svc, "sharing", "COMPLETED")
	g, r := uploaded(t, svc, res, "image/jpeg", photo(t, 320, 240))
	if r.Status != http.StatusOK {
		t.Fatalf("complete = %d %s", r.Status, r.Body)
	}
	create := func(body map[string]any) shareLink {
		t.Helper()
		r := svc.Call(CallerApp, "POST", "/v1/share-links", body)
		if r.Status != http.StatusCreated {
			t.Fatalf("POST /v1/share-links = %d %s", r.Status, r.Body)
		}
		var l shareLink
		r.JSON(t, &l)
		return l
	}
	open := func(token, password string) *servicetest.Response {
		return svc.Call(CallerApp, "POST", "/v1/share-links/open", map[string]any{"token": token, "password": password})
	}
	album := create(map[string]any{"album_id": g.AlbumID, "created_by": res.GuestID, "expires_in_seconds": 3600, "password": "summit-2026"})
	for _, pw := range []string{"", "wrong"} {
		if r := open(album.Token, pw); r.Status != http.StatusForbidden || !strings.Contains(string(r.Body), "share-link-password") {
			t.Errorf("open with password %q = %d %s; want 403 share-link-password", pw, r.Status, r.Body)
		}
	}
	r = open(album.Token, "summit-2026")
	var p page
	r.JSON(t, &p)
	if r.Status != http.StatusOK || len(p.Items) != 1 || p.Items[0].URLs == nil || p.Items[0].URLs.Preview == "" || p.Items[0].URLs.Original != "" {
		t.Fatalf("open = %d %s; want the item with a preview and no original", r.Status, r.Body)
	}
	if status, _ := get(t, p.Items[0].URLs.Preview); status != http.StatusOK {
		t.Errorf("shared preview = %d", status)
	}
	offset.Store(int64(2 * time.Hour))
	if r := open(album.Token, "summit-2026"); r.Status != http.StatusGone || !strings.Contains(string(r.Body), "share-link-expired") {
		t.Errorf("open after expiry = %d %s; want 410 share-link-expired", r.Status, r.Body)
	}
	item := create(map[string]any{"asset_id": g.AssetID, "created_by": res.GuestID, "expires_in_seconds": 3600})
	if r := open(item.Token, ""); r.Status != http.StatusOK {
		t.Fatalf("open item link = %d %s", r.Status, r.Body)
	}
	for range 2 {
		if r := svc.Call(CallerApp, "DELETE", "/v1/share-links/"+item.LinkID, nil); r.Status != http.StatusNoContent {
			t.Errorf("revoke = %d %s", r.Status, r.Body)
		}
	}
	if r := open(item.Token, ""); r.Status != http.StatusGone || !strings.Contains(string(r.Body), "share-link-revoked") {
		t.Errorf("open after revocation = %d %s; want 410 share-link-revoked", r.Status, r.Body)
	}
	if r := open("no-such-token", ""); r.Status != http.StatusNotFound {
		t.Errorf("open unknown token = %d", r.Status)
	}
	if r := svc.Call(CallerApp, "POST", "/v1/share-links", map[string]any{"created_by": "x", "expires_in_seconds": 0}); r.Status != http.StatusBadRequest ||
		!strings.Contains(string(r.Body), `"field":"expires_in_seconds"`) {
		t.Errorf("bad share request = %d %s; want 400 naming expires_in_seconds", r.Status, r.Body)
	}
	var stored string
	if err := svc.DB.QueryRow(t.Context(), `SELECT password_hash FROM media.share_links WHERE link_id = $1`, album.LinkID).Scan(&stored); err != nil ||
		strings.Contains(stored, "summit-2026") || !strings.HasPrefix(stored, "$2") {
		t.Errorf("stored password %q (%v); want a bcrypt hash", stored, err)
	}
}
