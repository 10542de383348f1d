package media

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"net/http"
	"os"
	"testing"

	"github.com/novatrek/support/internal/testkit/servicetest"
	"github.com/novatrek/support/schemas"
)

// testdata/card.heic is the 128×64 four-quadrant card (quadrants, render_test.go) encoded by
// libheif's heif-enc (Debian's libheif-examples: heif-enc -q 90 card.png -o card.heic).

// TestHEICUploadsGetRenditions: an iPhone's HEIC photo is accepted, sniffed as HEIC, decoded
// through libvips' libheif loader, and goes through the real upload path to a ready item
// with a thumbnail whose quadrants (compared pixel by pixel at their centres) are the
// card's, announced as a PHOTO; HEIC bytes declared as JPEG fail.
func TestHEICUploadsGetRenditions(t *testing.T) {
	t.Parallel()
	heic, err := os.ReadFile("testdata/card.heic")
	if err != nil {
		t.Fatal(err)
	}
	if got := sniff(heic); got != "image/heic" {
		t.Fatalf("sniff(card.heic) = %q; want image/heic", got)
	}
	svc := start(t)
	res := booked(svc, "heic", "COMPLETED")
	g, r := uploaded(t, svc, res, "image/heic", heic)
	var v itemView
	r.JSON(t, &v)
	if r.Status != http.StatusOK || v.State != "ready" || v.URLs == nil || v.URLs.Thumbnail == "" || v.Blurhash == nil ||
		v.Width == nil || *v.Width != 128 || v.Height == nil || *v.Height != 64 {
		t.Fatalf("HEIC complete = %d %s; want ready, 128×64, with a thumbnail and a blurhash", r.Status, r.Body)
	}
	status, thumb := get(t, v.URLs.Thumbnail)
	if status != http.StatusOK {
		t.Fatalf("GET thumbnail: %d", status)
	}
	img, err := jpeg.Decode(bytes.NewReader(thumb))
	if err != nil {
		t.Fatalf("the thumbnail is not a JPEG: %v", err)
	}
	w, h := img.Bounds().Dx(), img.Bounds().Dy()
	if w != 128 || h != 64 {
		t.Fatalf("thumbnail %d×%d; want the card's 128×64 (never enlarged)", w, h)
	}
	for q, at := range []image.Point{{w / 4, h / 4}, {3 * w / 4, h / 4}, {w / 4, 3 * h / 4}, {3 * w / 4, 3 * h / 4}} {
		if got := color.RGBAModel.Convert(img.At(at.X, at.Y)).(color.RGBA); !near(got, quadrants[q]) {
			t.Errorf("quadrant %d is %v; want %v", q, got, quadrants[q])
		}
	}
	ev := servicetest.AwaitEvent[schemas.MediaAssetUploaded](svc, TopicAssetUploaded,
		func(e *schemas.MediaAssetUploaded) bool { return e.AssetID == g.AssetID })
	if ev.MediaType != "PHOTO" || ev.ContentType != "image/heic" {
		t.Errorf("event %+v; want a PHOTO of image/heic", ev)
	}
	_, r = uploaded(t, svc, res, "image/jpeg", heic)
	r.JSON(t, &v)
	if v.State != "failed" {
		t.Errorf("HEIC declared as JPEG: %s; want failed", r.Body)
	}
}
