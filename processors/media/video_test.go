package media

import (
	"net/http"
	"testing"

	"github.com/novatrek/support/internal/testkit/servicetest"
	"github.com/novatrek/support/schemas"
)

// TestVideoIsReadyWithoutAPoster: an MP4 (checked by its ftyp box) becomes ready with the
// explicit poster_state "none" and no renditions, and is announced as a VIDEO; a QuickTime
// file declared as MP4 fails.
func TestVideoIsReadyWithoutAPoster(t *testing.T) {
	t.Parallel()
	svc := start(t)
	res := booked(svc, "video", "COMPLETED")
	mp4 := append([]byte("\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2"), make([]byte, 100<<10)...) // over the 64 KiB read: the size is S3's
	g, r := uploaded(t, svc, res, "video/mp4", mp4)
	var v itemView
	r.JSON(t, &v)
	if r.Status != http.StatusOK || v.State != "ready" || v.PosterState == nil || *v.PosterState != "none" || v.URLs == nil ||
		v.URLs.Thumbnail != "" || v.URLs.Original == "" {
		t.Fatalf("video complete = %d %s; want ready, poster none, only the original", r.Status, r.Body)
	}
	ev := servicetest.AwaitEvent[schemas.MediaAssetUploaded](svc, TopicAssetUploaded,
		func(e *schemas.MediaAssetUploaded) bool { return e.AssetID == g.AssetID })
	if ev.MediaType != "VIDEO" || ev.SizeBytes != int64(len(mp4)) {
		t.Errorf("event %+v", ev)
	}
	mov := append([]byte("\x00\x00\x00\x14ftypqt  \x00\x00\x02\x00qt  "), make([]byte, 100)...)
	_, r = uploaded(t, svc, res, "video/mp4", mov)
	r.JSON(t, &v)
	if v.State != "failed" {
		t.Errorf("QuickTime declared as MP4: %s; want failed", r.Body)
	}
}
