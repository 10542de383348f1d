package media

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"net/http"
	"strings"
	"testing"

	"github.com/novatrek/support/internal/testkit/servicetest"
)

// quadrants are the colours of a 2×2 test card: top-left, top-right, bottom-left,
// bottom-right as the camera's sensor saw them.
var quadrants = [4]color.RGBA{{255, 0, 0, 255}, {0, 255, 0, 255}, {0, 0, 255, 255}, {255, 255, 255, 255}}

// card is a w×h image of the four quadrants.
func card(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			q := 0
			if x >= w/2 {
				q++
			}
			if y >= h/2 {
				q += 2
			}
			img.SetRGBA(x, y, quadrants[q])
		}
	}
	return img
}

// withOrientation is img as a JPEG whose EXIF says orientation o (1..8).
func withOrientation(t *testing.T, img image.Image, o uint16) []byte {
	t.Helper()
	var enc bytes.Buffer
	if err := jpeg.Encode(&enc, img, &jpeg.Options{Quality: 95}); err != nil {
		t.Fatal(err)
	}
	// TIFF, big-endian: header, IFD0 with one entry (0x0112 SHORT 1 = o), no next IFD.
	tiff := []byte("MM\x00\x2a\x00\x00\x00\x08")
	tiff = binary.BigEndian.AppendUint16(tiff, 1)
	tiff = binary.BigEndian.AppendUint16(tiff, 0x0112)
	tiff = binary.BigEndian.AppendUint16(tiff, 3)
	tiff = binary.BigEndian.AppendUint32(tiff, 1)
	tiff = binary.BigEndian.AppendUint16(tiff, o)
	tiff = append(tiff, 0, 0, 0, 0, 0, 0)
	seg := append([]byte("Exif\x00\x00"), tiff...)
	app1 := []byte{0xFF, 0xE1}
	app1 = binary.BigEndian.AppendUint16(app1, uint16(len(seg)+2))
	out := append([]byte{0xFF, 0xD8}, app1...)
	out = append(out, seg...)
	return append(out, enc.Bytes()[2:]...)
}

// TestEXIFOrientationsGiveUprightRenditions: for each of the 8 EXIF orientations, the
// preview shows the scene upright: the stored pixels are the upright card put through the
// inverse of the orientation's transform, and the rendition's quadrants (compared pixel by
// pixel at their centres) are the upright card's again.
func TestEXIFOrientationsGiveUprightRenditions(t *testing.T) {
	t.Parallel()
	const w, h = 64, 32 // upright: landscape
	upright := card(w, h)
	// stored[o] maps the upright card to what a camera writes with orientation o.
	stored := map[uint16]func(image.Image) image.Image{
		1: func(i image.Image) image.Image { return i },
		2: flipH,
		3: func(i image.Image) image.Image { return rotate180(i) },
		4: flipV,
		5: func(i image.Image) image.Image { return transpose(i) },
		6: func(i image.Image) image.Image { return rotate90CCW(i) },
		7: func(i image.Image) image.Image { return rotate180(transpose(i)) },
		8: func(i image.Image) image.Image { return rotate90CW(i) },
	}
	for o := uint16(1); o <= 8; o++ {
		r, err := renderPhoto(withOrientation(t, stored[o](upright), o), "image/jpeg", 1e6)
		if err != nil {
			t.Fatalf("orientation %d: %v", o, err)
		}
		img, err := jpeg.Decode(bytes.NewReader(r.preview))
		if err != nil {
			t.Fatal(err)
		}
		if b := img.Bounds(); b.Dx() != w || b.Dy() != h || r.width != w || r.height != h {
			t.Errorf("orientation %d: preview %v, recorded %d×%d; want %d×%d", o, b, r.width, r.height, w, h)
			continue
		}
		for q, at := range []image.Point{{w / 4, h / 4}, {3 * w / 4, h / 4}, {w / 4, 3 * h / 4}, {3 * w / 4, 3 * h / 4}} {
			if got := color.RGBAModel.Convert(img.At(at.X, at.Y)).(color.RGBA); !near(got, quadrants[q]) {
				t.Errorf("orientation %d: quadrant %d is %v; want %v", o, q, got, quadrants[q])
			}
		}
	}
}

func near(a, b color.RGBA) bool {
	d := func(x, y uint8) int { return max(int(x)-int(y), int(y)-int(x)) }
	return d(a.R, b.R) < 40 && d(a.G, b.G) < 40 && d(a.B, b.B) < 40
}

// The transforms, written out plainly so the test does not trust the library it checks.
func remap(src image.Image, w, h int, from func(x, y int) (int, int)) image.Image {
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			sx, sy := from(x, y)
			dst.Set(x, y, src.At(sx, sy))
		}
	}
	return dst
}
func flipH(i image.Image) image.Image {
	w, h := i.Bounds().Dx(), i.Bounds().Dy()
	return remap(i, w, h, func(x, y int) (int, int) { return w - 1 - x, y })
}
func flipV(i image.Image) image.Image {
	w, h := i.Bounds().Dx(), i.Bounds().Dy()
	return remap(i, w, h, func(x, y int) (int, int) { return x, h - 1 - y })
}
func rotate180(i image.Image) image.Image { return flipH(flipV(i)) }
func transpose(i image.Image) image.Image {
	w, h := i.Bounds().Dx(), i.Bounds().Dy()
	return remap(i, h, w, func(x, y int) (int, int) { return y, x })
}
func rotate90CW(i image.Image) image.Image { // (x,y) of the result shows (y, h-1-x) of i
	w, h := i.Bounds().Dx(), i.Bounds().Dy()
	return remap(i, h, w, func(x, y int) (int, int) { return y, h - 1 - x })
}
func rotate90CCW(i image.Image) image.Image {
	w, h := i.Bounds().Dx(), i.Bounds().Dy()
	return remap(i, h, w, func(x, y int) (int, int) { return w - 1 - y, x })
}

// bomb is a PNG whose header claims w×h pixels, followed by no real image data: what an
// attacker uploads to make a decoder allocate gigabytes.
func bomb(w, h uint32) []byte {
	ihdr := binary.BigEndian.AppendUint32(nil, w)
	ihdr = binary.BigEndian.AppendUint32(ihdr, h)
	ihdr = append(ihdr, 8, 6, 0, 0, 0) // 8-bit RGBA
	chunk := append([]byte("IHDR"), ihdr...)
	out := []byte("\x89PNG\r\n\x1a\n")
	out = binary.BigEndian.AppendUint32(out, uint32(len(ihdr)))
	out = append(out, chunk...)
	out = binary.BigEndian.AppendUint32(out, crc32.ChecksumIEEE(chunk))
	return append(out, make([]byte, 64)...)
}

// TestImageBombIsRefusedBeforeDecoding: a 100000×100000 PNG is refused from its header
// (DecodeConfig), naming the pixel limit, and no rendition is made.
func TestImageBombIsRefusedBeforeDecoding(t *testing.T) {
	t.Parallel()
	r, err := renderPhoto(bomb(100000, 100000), "image/png", 50e6)
	var ref *refusal
	if !errors.As(err, &ref) || r != nil || !strings.Contains(ref.reason, "100000×100000") || !strings.Contains(ref.reason, "limit") {
		t.Fatalf("renderPhoto(bomb) = %v, %v; want a refusal naming the size and the limit", r, err)
	}
}

// TestCorruptOrMislabelledUploadsFail: bytes that are not what was declared, or that do not
// decode, mark the item failed with the reason, through the real upload path; nothing is
// listed and no event is written (the relay is off, so any message would still be in the
// outbox).
func TestCorruptOrMislabelledUploadsFail(t *testing.T) {
	t.Parallel()
	svc := start(t, servicetest.WithoutRelay())
	res := booked(svc, "corrupt", "CONFIRMED")
	truncated := photo(t, 300, 200)
	truncated = append([]byte(nil), truncated[:len(truncated)/3]...)
	for _, c := range []struct {
		name, contentType string
		file              []byte
		reason            string
	}{
		{"truncated JPEG", "image/jpeg", truncated, "corrupt image/jpeg"},
		{"garbage behind a JPEG magic", "image/jpeg", append([]byte{0xFF, 0xD8, 0xFF}, bytes.Repeat([]byte("x"), 500)...), "corrupt image/jpeg"},
		{"a PNG declared as JPEG", "image/jpeg", bomb(10, 10), "the bytes are image/png, not the declared image/jpeg"},
		{"HTML declared as PNG", "image/png", []byte("<html><script>alert(1)</script></html>"), "not the declared image/png"},
		{"an image bomb", "image/png", bomb(100000, 100000), "over the limit"},
	} {
		_, r := uploaded(t, svc, res, c.contentType, c.file)
		var v itemView
		r.JSON(t, &v)
		if r.Status != http.StatusOK || v.State != "failed" || v.FailureReason == nil || !strings.Contains(*v.FailureReason, c.reason) || v.URLs != nil {
			t.Errorf("%s: complete = %d %s; want failed because %q", c.name, r.Status, r.Body, c.reason)
		}
	}
	var listed, events int
	if err := svc.DB.QueryRow(t.Context(), `SELECT count(*) FROM media.media_items WHERE state = 'ready'`).Scan(&listed); err != nil || listed != 0 {
		t.Errorf("%d ready items (%v); want none", listed, err)
	}
	if err := svc.DB.QueryRow(t.Context(), `SELECT count(*) FROM media.outbox`).Scan(&events); err != nil || events != 0 {
		t.Errorf("%d outbox rows (%v); want none", events, err)
	}
}

// TestLargePhotosShrinkOnLoadUpright: a photo over twice the preview size is shrunk while
// it is decoded (libvips' JPEG shrink-on-load); the preview is still exactly the preview
// size, upright and of the right colours, with a rotated orientation too.
func TestLargePhotosShrinkOnLoadUpright(t *testing.T) {
	t.Parallel()
	const w, h = 3200, 2900
	for o, stored := range map[uint16]func(image.Image) image.Image{1: func(i image.Image) image.Image { return i }, 6: rotate90CCW} {
		r, err := renderPhoto(withOrientation(t, stored(card(w, h)), o), "image/jpeg", 50e6)
		if err != nil {
			t.Fatal(err)
		}
		img, err := jpeg.Decode(bytes.NewReader(r.preview))
		if err != nil {
			t.Fatal(err)
		}
		pw, ph := img.Bounds().Dx(), img.Bounds().Dy()
		if pw != previewPx || ph != previewPx*h/w || r.width != w || r.height != h {
			t.Fatalf("orientation %d: preview %d×%d, recorded %d×%d; want %d wide from %d×%d", o, pw, ph, r.width, r.height, previewPx, w, h)
		}
		for q, at := range []image.Point{{pw / 4, ph / 4}, {3 * pw / 4, ph / 4}, {pw / 4, 3 * ph / 4}, {3 * pw / 4, 3 * ph / 4}} {
			if got := color.RGBAModel.Convert(img.At(at.X, at.Y)).(color.RGBA); !near(got, quadrants[q]) {
				t.Errorf("orientation %d: quadrant %d is %v; want %v", o, q, got, quadrants[q])
			}
		}
	}
}
