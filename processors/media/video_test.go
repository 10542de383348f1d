package media

import (
	"bytes"
	"image/color"
	"image/jpeg"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/novatrek/support/internal/testkit/servicetest"
	"github.com/novatrek/support/schemas"
)

// TestVideoIsReadyWithoutAPoster: where no ffmpeg runs (MEDIA_FFMPEG=off), an MP4 (checked
// by its ftyp box) becomes ready with the explicit poster_state "none" and no renditions,
// and is announced as a VIDEO; a QuickTime file declared as MP4 fails.
func TestVideoIsReadyWithoutAPoster(t *testing.T) {
	t.Parallel()
	svc := start(t, servicetest.WithEnv("MEDIA_FFMPEG", "off"))
	res := booked(svc, "video", "COMPLETED")
	mp4 := append([]byte("\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2"), make([]byte, 100<<10)...) // over the 64 KiB read: the size is S3's
	g, r := uploaded(t, svc, res, "video/mp4", mp4)
	var v itemView
	r.JSON(t, &v)
	if r.Status != http.StatusOK || v.State != "ready" || v.PosterState == nil || *v.PosterState != posterNone || v.URLs == nil ||
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

// TestVideoPosterFrames: with ffmpeg (scripts/setup installs it), a real MP4 (2 s of red,
// 160×96, testdata/red.mp4) gets its poster from 1 s in and a QuickTime clip shorter than
// that (0.4 s of blue, portrait, testdata/blue.mov) its first frame: each is ready with
// poster_state "ready", the video's width and height, a blurhash, and a thumbnail of the
// clip's colour. A file with an MP4 header and nothing playable behind it fails, saying the
// video does not decode, without the presigned URL in the reason.
//
// Both fixtures were made by ffmpeg from its lavfi colour source, e.g.
// ffmpeg -f lavfi -i color=c=red:s=160x96:r=5:d=2 -pix_fmt yuv420p -c:v libx264 -movflags +faststart red.mp4
func TestVideoPosterFrames(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		t.Skip("ffmpeg is not installed (scripts/setup installs it): poster frames cannot be taken here")
	}
	svc := start(t)
	res := booked(svc, "poster", "COMPLETED")
	for _, c := range []struct {
		file, contentType string
		w, h              int
		colour            color.RGBA
	}{
		{"testdata/red.mp4", "video/mp4", 160, 96, color.RGBA{255, 0, 0, 255}},
		{"testdata/blue.mov", "video/quicktime", 96, 160, color.RGBA{0, 0, 255, 255}},
	} {
		video, err := os.ReadFile(c.file)
		if err != nil {
			t.Fatal(err)
		}
		_, r := uploaded(t, svc, res, c.contentType, video)
		var v itemView
		r.JSON(t, &v)
		if r.Status != http.StatusOK || v.State != "ready" || v.PosterState == nil || *v.PosterState != posterReady ||
			v.URLs == nil || v.URLs.Thumbnail == "" || v.URLs.Preview == "" || v.Blurhash == nil ||
			v.Width == nil || *v.Width != c.w || v.Height == nil || *v.Height != c.h {
			t.Fatalf("%s: complete = %d %s; want ready with a poster, %d×%d", c.file, r.Status, r.Body, c.w, c.h)
		}
		status, thumb := get(t, v.URLs.Thumbnail)
		img, err := jpeg.Decode(bytes.NewReader(thumb))
		if status != http.StatusOK || err != nil {
			t.Fatalf("%s: thumbnail %d, %v", c.file, status, err)
		}
		b := img.Bounds()
		if got := color.RGBAModel.Convert(img.At(b.Dx()/2, b.Dy()/2)).(color.RGBA); !near(got, c.colour) {
			t.Errorf("%s: the poster's centre is %v; want %v", c.file, got, c.colour)
		}
	}
	broken := append([]byte("\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2"), make([]byte, 4096)...)
	_, r := uploaded(t, svc, res, "video/mp4", broken)
	var v itemView
	r.JSON(t, &v)
	if v.State != "failed" || v.FailureReason == nil || !strings.Contains(*v.FailureReason, "does not decode") ||
		strings.Contains(*v.FailureReason, "X-Amz-Signature") {
		t.Errorf("an MP4 header with nothing behind it: %s; want failed, the video does not decode", r.Body)
	}
}
