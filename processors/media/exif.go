package media

import (
	"bytes"
	"encoding/binary"
	"time"
)

// position is where a photo was taken, from its EXIF GPS tags.
type position struct {
	Latitude  float64 `json:"latitude"`
	Longitude float64 `json:"longitude"`
}

// readEXIF finds DateTimeOriginal and the GPS position in a JPEG's EXIF segment; nil for
// what is absent or malformed. It reads only what the service uses (the orientation is
// libvips' to apply), so a hostile segment can at worst yield nothing: every offset is
// checked against the segment.
func readEXIF(b []byte) (*time.Time, *position) {
	tiff := exifSegment(b)
	if len(tiff) < 8 {
		return nil, nil
	}
	var bo binary.ByteOrder
	switch string(tiff[:2]) {
	case "II":
		bo = binary.LittleEndian
	case "MM":
		bo = binary.BigEndian
	default:
		return nil, nil
	}
	ifd0 := entries(tiff, bo, bo.Uint32(tiff[4:8]))
	var taken *time.Time
	if off, ok := ifd0[0x8769]; ok { // the Exif sub-IFD
		if e, ok := entries(tiff, bo, off.value)[0x9003]; ok && e.count >= 19 && int(e.value)+19 <= len(tiff) {
			if t, err := time.Parse("2006:01:02 15:04:05", string(tiff[e.value:e.value+19])); err == nil {
				taken = &t
			}
		}
	}
	var pos *position
	if off, ok := ifd0[0x8825]; ok { // the GPS IFD
		gps := entries(tiff, bo, off.value)
		lat, okLat := degrees(tiff, bo, gps[2])
		lon, okLon := degrees(tiff, bo, gps[4])
		if okLat && okLon {
			// A reference is ASCII inline in the value bytes: its letter is the first byte.
			if byte(gps[1].raw>>24) == 'S' {
				lat = -lat
			}
			if byte(gps[3].raw>>24) == 'W' {
				lon = -lon
			}
			pos = &position{lat, lon}
		}
	}
	return taken, pos
}

// exifSegment is the TIFF body of a JPEG's APP1 Exif segment, or nil.
func exifSegment(b []byte) []byte {
	if !bytes.HasPrefix(b, []byte{0xFF, 0xD8}) {
		return nil
	}
	for i := 2; i+4 <= len(b) && b[i] == 0xFF; {
		marker, n := b[i+1], int(binary.BigEndian.Uint16(b[i+2:i+4]))
		if marker == 0xDA || n < 2 || i+2+n > len(b) { // start of scan: no more headers
			return nil
		}
		seg := b[i+4 : i+2+n]
		if marker == 0xE1 && bytes.HasPrefix(seg, []byte("Exif\x00\x00")) {
			return seg[6:]
		}
		i += 2 + n
	}
	return nil
}

// ifdEntry is one tag of an IFD: its count, its value-or-offset, and the 4 value bytes as
// they lie in the file (big-endian), for inline ASCII.
type ifdEntry struct{ count, value, raw uint32 }

func entries(tiff []byte, bo binary.ByteOrder, off uint32) map[uint16]ifdEntry {
	out := map[uint16]ifdEntry{}
	if int(off)+2 > len(tiff) {
		return out
	}
	n := int(bo.Uint16(tiff[off:]))
	for i := 0; i < n; i++ {
		p := int(off) + 2 + 12*i
		if p+12 > len(tiff) {
			break
		}
		v := bo.Uint32(tiff[p+8:])
		out[bo.Uint16(tiff[p:])] = ifdEntry{count: bo.Uint32(tiff[p+4:]), value: v, raw: binary.BigEndian.Uint32(tiff[p+8:])}
	}
	return out
}

// degrees reads a GPS coordinate: three RATIONALs (degrees, minutes, seconds) at e's offset.
func degrees(tiff []byte, bo binary.ByteOrder, e ifdEntry) (float64, bool) {
	if e.count != 3 || int(e.value)+24 > len(tiff) {
		return 0, false
	}
	var v [3]float64
	for i := range v {
		p := int(e.value) + 8*i
		num, den := bo.Uint32(tiff[p:]), bo.Uint32(tiff[p+4:])
		if den == 0 {
			return 0, false
		}
		v[i] = float64(num) / float64(den)
	}
	return v[0] + v[1]/60 + v[2]/3600, true
}
