package media

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/jpeg"
	"net/http"
	"testing"

	"github.com/novatrek/support/internal/testkit/servicetest"
	"github.com/novatrek/support/schemas"
)

// photo is a w×h JPEG of a gradient, the shape of a real photo's bytes.
func photo(t testing.TB, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, color.RGBA{uint8(x * 255 / w), uint8(y * 255 / h), 128, 255})
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestUploadBecomesAReadyItemAndOneEvent is the whole path: a confirmed guest gets a
// presigned POST, uploads straight to S3, completes; the item is ready with a thumbnail and
// a preview that exist when media-asset.uploaded is seen, and a second complete changes
// nothing.
func TestUploadBecomesAReadyItemAndOneEvent(t *testing.T) {
	t.Parallel()
	svc := start(t)
	res := booked(svc, "ready-path", "CONFIRMED")
	g, r := uploaded(t, svc, res, "image/jpeg", photo(t, 2000, 1500))
	if r.Status != http.StatusOK {
		t.Fatalf("complete = %d %s", r.Status, r.Body)
	}
	var v itemView
	r.JSON(t, &v)
	if v.State != "ready" || v.Width == nil || *v.Width != 2000 || *v.Height != 1500 || v.Blurhash == nil || v.URLs == nil {
		t.Fatalf("completed item %+v; want ready 2000×1500 with blurhash and URLs", v)
	}
	ev := servicetest.AwaitEvent[schemas.MediaAssetUploaded](svc, TopicAssetUploaded,
		func(e *schemas.MediaAssetUploaded) bool { return e.AssetID == g.AssetID })
	if ev.ContentType != "image/jpeg" || ev.MediaType != "PHOTO" || ev.UploaderType != "GUEST" || ev.UploadedBy != res.GuestID ||
		*ev.TripID != res.TripID || ev.Position != nil {
		t.Errorf("event %+v does not describe the upload", ev)
	}
	// The renditions exist once the event is out: fetch them through the presigned URLs.
	for name, want := range map[string]int{v.URLs.Thumbnail: thumbnailPx, v.URLs.Preview: previewPx} {
		status, b := get(t, name)
		if status != http.StatusOK {
			t.Fatalf("GET rendition = %d", status)
		}
		cfg, err := jpeg.DecodeConfig(bytes.NewReader(b))
		if err != nil || cfg.Width != want {
			t.Errorf("rendition is %d px wide (%v); want %d", cfg.Width, err, want)
		}
	}
	again := svc.Call(CallerApp, "POST", "/v1/media/"+g.AssetID+"/complete", nil)
	var v2 itemView
	again.JSON(t, &v2)
	if again.Status != http.StatusOK || v2.State != "ready" || !v2.CompletedAt.Equal(*v.CompletedAt) {
		t.Errorf("second complete = %d %+v; want the same ready item", again.Status, v2)
	}
	list := svc.Call(CallerAnalytics, "GET", "/v1/trips/"+res.TripID+"/media", nil)
	var p page
	list.JSON(t, &p)
	if list.Status != http.StatusOK || len(p.Items) != 1 || p.Items[0].AssetID != g.AssetID {
		t.Errorf("trip listing = %d %s; want the one item", list.Status, list.Body)
	}
}

// TestDuplicateCompleteEmitsOnce: concurrent completes of one upload (the app's call and a
// retry) make one ready item and one outbox message. The relay is off, so every message
// either call wrote is still in the outbox to count.
func TestDuplicateCompleteEmitsOnce(t *testing.T) {
	t.Parallel()
	svc := start(t, servicetest.WithoutRelay())
	res := booked(svc, "duplicate", "COMPLETED")
	g := grant(t, svc, res, "image/jpeg")
	if status, body := postToS3(t, g.Upload, nil, photo(t, 640, 480)); status/100 != 2 {
		t.Fatalf("S3 refused the upload: %d %s", status, body)
	}
	done := make(chan int, 4)
	for range 4 {
		go func() { done <- svc.Call(CallerApp, "POST", "/v1/media/"+g.AssetID+"/complete", nil).Status }()
	}
	for range 4 {
		if s := <-done; s != http.StatusOK {
			t.Errorf("a complete answered %d", s)
		}
	}
	var n int
	if err := svc.DB.QueryRow(context.Background(), `SELECT count(*) FROM media.outbox WHERE topic = $1`, TopicAssetUploaded).Scan(&n); err != nil || n != 1 {
		t.Errorf("%d media-asset.uploaded messages (%v); want 1", n, err)
	}
}

// TestUploadNeedsAnEligibleReservation: unknown, cancelled and someone else's reservations
// are refused with problems naming why; a bad body names its fields.
func TestUploadNeedsAnEligibleReservation(t *testing.T) {
	t.Parallel()
	svc := start(t)
	cancelled := booked(svc, "cancelled", "CANCELLED")
	mine := booked(svc, "mine", "CONFIRMED")
	for _, c := range []struct {
		name string
		body map[string]any
		want int
		typ  string
	}{
		{"unknown", map[string]any{"reservation_id": "7d3e7c1e-0000-4000-8000-000000000001", "uploaded_by": "g", "uploader_type": "GUEST", "content_type": "image/jpeg"},
			http.StatusUnprocessableEntity, "reservation-unknown"},
		{"cancelled", map[string]any{"reservation_id": cancelled.ReservationID, "uploaded_by": cancelled.GuestID, "uploader_type": "GUEST", "content_type": "image/jpeg"},
			http.StatusUnprocessableEntity, "reservation-not-eligible"},
		{"not the guest's", map[string]any{"reservation_id": mine.ReservationID, "uploaded_by": cancelled.GuestID, "uploader_type": "GUEST", "content_type": "image/jpeg"},
			http.StatusForbidden, "not-a-participant"},
		{"GIF", map[string]any{"reservation_id": mine.ReservationID, "uploaded_by": mine.GuestID, "uploader_type": "GUEST", "content_type": "image/gif"},
			http.StatusBadRequest, `"field":"content_type"`},
	} {
		r := svc.Call(CallerApp, "POST", "/v1/uploads", c.body)
		if r.Status != c.want || !bytes.Contains(r.Body, []byte(c.typ)) {
			t.Errorf("%s: %d %s; want %d with %s", c.name, r.Status, r.Body, c.want, c.typ)
		}
	}
	if r := svc.Call(CallerAnalytics, "POST", "/v1/uploads", map[string]any{}); r.Status != http.StatusForbidden {
		t.Errorf("svc-analytics may not upload: got %d", r.Status)
	}
}
