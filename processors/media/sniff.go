package media

import "bytes"

// Accepted upload types, by the content type the client declares and S3 enforces. HEIC (the
// iPhone's default) decodes through libvips' libheif loader.
var acceptedTypes = map[string]string{
	"image/jpeg":      "PHOTO",
	"image/png":       "PHOTO",
	"image/webp":      "PHOTO",
	"image/heic":      "PHOTO",
	"video/mp4":       "VIDEO",
	"video/quicktime": "VIDEO",
}

// extensions name the original's key, for people browsing the bucket.
var extensions = map[string]string{"image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp", "image/heic": ".heic",
	"video/mp4": ".mp4", "video/quicktime": ".mov"}

// sniff is the content type the bytes really are, from their magic numbers: the declared
// type and the file name prove nothing (S3 only checked the declared header). "" when
// unrecognised.
func sniff(b []byte) string {
	switch {
	case bytes.HasPrefix(b, []byte{0xFF, 0xD8, 0xFF}):
		return "image/jpeg"
	case bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")):
		return "image/png"
	case len(b) >= 12 && string(b[0:4]) == "RIFF" && string(b[8:12]) == "WEBP":
		return "image/webp"
	case len(b) >= 12 && string(b[4:8]) == "ftyp":
		// ISO base media: the major brand says which kind.
		switch string(b[8:12]) {
		case "qt  ":
			return "video/quicktime"
		case "heic", "heix", "mif1", "msf1":
			return "image/heic"
		case "avif", "avis":
			return "image/avif"
		default:
			return "video/mp4"
		}
	}
	return ""
}
