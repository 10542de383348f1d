package media

import (
	"bytes"
	"fmt"
	"image"
	"image/jpeg"
	_ "image/png" // registers the PNG decoder for image.DecodeConfig and imaging.Decode
	"time"

	"github.com/disintegration/imaging"
	_ "golang.org/x/image/webp" // registers the WebP decoder
)

// Rendition sizes: the thumbnail fills a grid cell, the preview a phone or laptop screen.
const (
	thumbnailPx = 250
	previewPx   = 1440
	jpegQuality = 82
)

// renditions are what a landed photo becomes. They are re-encoded from pixels, so they carry
// no metadata at all: no EXIF, no location, whatever the original held.
type renditions struct {
	contentType   string
	width, height int // of the original, upright
	thumbnail     []byte
	preview       []byte
	blurhash      string
	takenAt       *time.Time
	position      *position
	posterMissing bool // a video without a poster frame
}

// refusal is why an upload's bytes were refused: the item is marked failed with it. It is
// the bytes' fault, never the infrastructure's, so retrying cannot help.
type refusal struct{ reason string }

func (r *refusal) Error() string { return r.reason }

func refuse(format string, args ...any) error { return &refusal{fmt.Sprintf(format, args...)} }

// renderPhoto checks what the bytes are, refuses an image bomb from its header before a
// single pixel is decoded, decodes it upright (EXIF orientation applied) and makes the
// thumbnail, the preview and the blurhash.
func renderPhoto(b []byte, declared string, maxPixels int64) (*renditions, error) {
	got := sniff(b)
	if got != declared {
		return nil, refuse("the bytes are %s, not the declared %s", orUnknown(got), declared)
	}
	cfg, _, err := image.DecodeConfig(bytes.NewReader(b))
	if err != nil {
		return nil, refuse("corrupt %s: %v", declared, err)
	}
	if px := int64(cfg.Width) * int64(cfg.Height); px > maxPixels || cfg.Width <= 0 || cfg.Height <= 0 {
		return nil, refuse("image of %d×%d pixels is over the limit of %d pixels", cfg.Width, cfg.Height, maxPixels)
	}
	img, _, err := image.Decode(bytes.NewReader(b))
	if err != nil {
		return nil, refuse("corrupt %s: %v", declared, err)
	}
	r := &renditions{contentType: declared, width: img.Bounds().Dx(), height: img.Bounds().Dy()}
	orientation := 1
	if declared == "image/jpeg" {
		r.takenAt, r.position, orientation = readEXIF(b)
	}
	if orientation >= 5 { // the quarter turns: the upright photo is the other way round
		r.width, r.height = r.height, r.width
	}
	// The preview comes from the original (halved cheaply first), the thumbnail from the
	// preview; the orientation is applied to the small preview, not the 12 MP original.
	preview := upright(fit(shrinkForPreview(img, previewPx), previewPx), orientation)
	thumb := fit(preview, thumbnailPx)
	if r.preview, err = encodeJPEG(preview); err != nil {
		return nil, err
	}
	if r.thumbnail, err = encodeJPEG(thumb); err != nil {
		return nil, err
	}
	r.blurhash = blurhash(fit(thumb, 32), 4, 3)
	return r, nil
}

// upright applies EXIF orientation o (1..8) to img: what the camera meant the viewer to see.
func upright(img image.Image, o int) image.Image {
	switch o {
	case 2:
		return imaging.FlipH(img)
	case 3:
		return imaging.Rotate180(img)
	case 4:
		return imaging.FlipV(img)
	case 5:
		return imaging.Transpose(img)
	case 6:
		return imaging.Rotate270(img)
	case 7:
		return imaging.Transverse(img)
	case 8:
		return imaging.Rotate90(img)
	}
	return img
}

// fit shrinks img to fit a px×px box, never enlarging.
func fit(img image.Image, px int) image.Image {
	b := img.Bounds()
	if b.Dx() <= px && b.Dy() <= px {
		return img
	}
	return imaging.Fit(img, px, px, imaging.Linear)
}

func encodeJPEG(img image.Image) ([]byte, error) {
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: jpegQuality}); err != nil {
		return nil, fmt.Errorf("encode rendition: %w", err)
	}
	return buf.Bytes(), nil
}

// renderVideo checks the bytes are the declared video container. No poster frame is made:
// that needs ffmpeg, which the service does not require; the item says so (poster_state
// 'none') instead of pretending.
func renderVideo(b []byte, declared string) (*renditions, error) {
	if got := sniff(b); got != declared {
		return nil, refuse("the bytes are %s, not the declared %s", orUnknown(got), declared)
	}
	return &renditions{contentType: declared, posterMissing: true}, nil
}

func orUnknown(t string) string {
	if t == "" {
		return "of no accepted type"
	}
	return t
}
