package media

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/novatrek/support/internal/testkit/servicetest"
	"github.com/novatrek/support/schemas"
)

// TestSweepCompletesMissedUploadsAndExpiresAbandonedOnes: an upload whose app never called
// complete is completed by the sweep (event included); one whose policy ran out with nothing
// uploaded becomes expired. The sweep runs by hand here (its worker is off), an hour after
// the grants on the service's clock.
func TestSweepCompletesMissedUploadsAndExpiresAbandonedOnes(t *testing.T) {
	t.Parallel()
	var offset atomic.Int64
	svc := start(t, servicetest.WithoutWorkers("upload sweep"), servicetest.WithEnv("MEDIA_SWEEP_AGE", "1s"),
		servicetest.WithClock(func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }))
	res := booked(svc, "sweep", "COMPLETED")
	landed := grant(t, svc, res, "image/png")
	abandoned := grant(t, svc, res, "image/jpeg")
	if status, body := postToS3(t, landed.Upload, nil, pngPhoto(t)); status/100 != 2 {
		t.Fatalf("S3 refused the upload: %d %s", status, s3Code(body))
	}
	offset.Store(int64(time.Hour))
	if err := svc.State.sweep(t.Context()); err != nil {
		t.Fatal(err)
	}
	for id, want := range map[string]string{landed.AssetID: "ready", abandoned.AssetID: "expired"} {
		var v itemView
		r := svc.Call(CallerApp, "GET", "/v1/media/"+id, nil)
		r.JSON(t, &v)
		if v.State != want {
			t.Errorf("item %s: %s; want %s", id, r.Body, want)
		}
	}
	ev := servicetest.AwaitEvent[schemas.MediaAssetUploaded](svc, TopicAssetUploaded,
		func(e *schemas.MediaAssetUploaded) bool { return e.AssetID == landed.AssetID })
	if ev.ContentType != "image/png" {
		t.Errorf("event content type %s", ev.ContentType)
	}
}
