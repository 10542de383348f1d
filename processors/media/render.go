package media

import (
	"bytes"
	"fmt"
	"image"
	_ "image/jpeg" // registers the JPEG header reader for image.DecodeConfig
	"image/png"
	"time"

	"github.com/davidbyttow/govips/v2/vips"
	_ "golang.org/x/image/webp" // registers the WebP header reader
)

// Rendition sizes: the thumbnail fills a grid cell, the preview a phone or laptop screen.
const (
	thumbnailPx = 250
	previewPx   = 1440
	blurhashPx  = 32
	jpegQuality = 82
)

// renditions are what a landed upload becomes. They are re-encoded from pixels with their
// metadata stripped: no EXIF, no location, whatever the original held.
type renditions struct {
	contentType   string
	width, height int // of the original, upright
	thumbnail     []byte
	preview       []byte
	blurhash      string
	takenAt       *time.Time
	position      *position
	posterState   string // videos: posterReady or posterNone; photos: ""
}

// refusal is why an upload's bytes were refused: the item is marked failed with it. It is
// the bytes' fault, never the infrastructure's, so retrying cannot help.
type refusal struct{ reason string }

func (r *refusal) Error() string { return r.reason }

func refuse(format string, args ...any) error { return &refusal{fmt.Sprintf(format, args...)} }

// renderPhoto checks what the bytes are, refuses an image bomb from its header before a
// single pixel is decoded, and makes the preview, the thumbnail and the blurhash upright
// (EXIF orientation applied).
//
// libvips does the pixel work: its thumbnail operation shrinks while it loads (a JPEG is
// decoded at 1/2, 1/4 or 1/8 scale by libjpeg-turbo's DCT scaling, so a 12 MP photo is
// never decoded whole for a 1440 px preview), applies the orientation and, with fail set,
// refuses a truncated or damaged file instead of painting it grey. Each step reads its
// source once, front to back (libvips' sequential access), so the thumbnail is made from
// the preview's bytes, and the placeholder from the thumbnail's.
func renderPhoto(b []byte, declared string, maxPixels int64) (*renditions, error) {
	got := sniff(b)
	if got != declared {
		return nil, refuse("the bytes are %s, not the declared %s", orUnknown(got), declared)
	}
	w, h, orientation, err := header(b, declared, maxPixels)
	if err != nil {
		return nil, err
	}
	r := &renditions{contentType: declared, width: w, height: h}
	if orientation >= 5 { // the quarter turns: the upright photo is the other way round
		r.width, r.height = h, w
	}
	if declared == "image/jpeg" {
		r.takenAt, r.position = readEXIF(b)
	}
	if err := r.fromPixels(b, declared); err != nil {
		return nil, err
	}
	return r, nil
}

// fromPixels makes the preview, the thumbnail and the blurhash of src, an image libvips
// reads (an upload, or a video's poster frame), named what in a refusal. src that does not
// decode is refused; after that the source is our own clean JPEG, so a failure is ours.
func (r *renditions) fromPixels(src []byte, what string) error {
	var err error
	if r.preview, err = fitJPEG(src, previewPx); err != nil {
		return refuse("corrupt %s: %s", what, vipsReason(err))
	}
	if r.thumbnail, err = fitJPEG(r.preview, thumbnailPx); err != nil {
		return fmt.Errorf("make the thumbnail: %s", vipsReason(err))
	}
	r.blurhash, err = placeholder(r.thumbnail)
	return err
}

// header is the photo's stored size and EXIF orientation, read without decoding a pixel,
// refused when it claims more than maxPixels. The formats Go knows are measured first by
// image.DecodeConfig, which needs nothing past the header (libvips' loaders read on to the
// first pixel data, so a bomb that is only a header would pass as merely corrupt); HEIC by
// libvips' lazy load, which reads the header only.
func header(b []byte, declared string, maxPixels int64) (w, h, orientation int, err error) {
	if declared != "image/heic" {
		cfg, _, err := image.DecodeConfig(bytes.NewReader(b))
		if err != nil {
			return 0, 0, 0, refuse("corrupt %s: %v", declared, err)
		}
		if err := overLimit(cfg.Width, cfg.Height, maxPixels); err != nil {
			return 0, 0, 0, err
		}
	}
	startVips()
	head, err := vips.LoadImageFromBuffer(b, vips.NewImportParams())
	if err != nil {
		return 0, 0, 0, refuse("corrupt %s: %s", declared, vipsReason(err))
	}
	defer head.Close()
	w, h, orientation = head.Width(), head.Height(), head.Orientation()
	return w, h, orientation, overLimit(w, h, maxPixels)
}

// overLimit refuses an image of w×h pixels when that is more than maxPixels (or nothing).
func overLimit(w, h int, maxPixels int64) error {
	if px := int64(w) * int64(h); px > maxPixels || w <= 0 || h <= 0 {
		return refuse("image of %d×%d pixels is over the limit of %d pixels", w, h, maxPixels)
	}
	return nil
}

// fitJPEG is src (any format libvips reads) fitted into a px×px box, never enlarged,
// upright, as a JPEG without any metadata.
func fitJPEG(src []byte, px int) ([]byte, error) {
	startVips()
	img, err := vips.LoadThumbnailFromBuffer(src, px, px, vips.InterestingNone, vips.SizeDown, vips.NewImportParams())
	if err != nil {
		return nil, err
	}
	defer img.Close()
	out, _, err := img.ExportJpeg(&vips.JpegExportParams{StripMetadata: true, Quality: jpegQuality, OptimizeCoding: true})
	return out, err
}

// placeholder is the blurhash of a rendition, computed on a tiny copy of it.
func placeholder(rendition []byte) (string, error) {
	img, err := vips.LoadThumbnailFromBuffer(rendition, blurhashPx, blurhashPx, vips.InterestingNone, vips.SizeDown, vips.NewImportParams())
	if err != nil {
		return "", fmt.Errorf("shrink for the blurhash: %s", vipsReason(err))
	}
	defer img.Close()
	raw, _, err := img.ExportPng(&vips.PngExportParams{StripMetadata: true, Compression: 1})
	if err != nil {
		return "", fmt.Errorf("export the blurhash source: %s", vipsReason(err))
	}
	px, err := png.Decode(bytes.NewReader(raw))
	if err != nil {
		return "", fmt.Errorf("read the blurhash source: %w", err)
	}
	return blurhash(px, 4, 3), nil
}

// renderVideo checks the bytes are the declared video container. The poster frame, when
// ffmpeg is there to take it, is added by the caller (poster.go); until then the item says
// it has none (poster_state 'none') instead of pretending.
func renderVideo(b []byte, declared string) (*renditions, error) {
	if got := sniff(b); got != declared {
		return nil, refuse("the bytes are %s, not the declared %s", orUnknown(got), declared)
	}
	return &renditions{contentType: declared, posterState: posterNone}, nil
}

func orUnknown(t string) string {
	if t == "" {
		return "of no accepted type"
	}
	return t
}
