package media

import (
	"bytes"
	"encoding/binary"
	"image/jpeg"
	"math"
	"net/http"
	"testing"
	"time"

	"github.com/novatrek/support/internal/testkit/servicetest"
	"github.com/novatrek/support/schemas"
)

// withGPS is a JPEG of the test card whose EXIF (little-endian) holds DateTimeOriginal and a
// GPS position of 46°30'36"N 8°15'0"W.
func withGPS(t *testing.T) []byte {
	t.Helper()
	var enc bytes.Buffer
	if err := jpeg.Encode(&enc, card(64, 32), nil); err != nil {
		t.Fatal(err)
	}
	le := binary.LittleEndian
	tiff := []byte("II\x2a\x00\x08\x00\x00\x00")
	entry := func(b []byte, tag, typ uint16, count, value uint32) []byte {
		b = le.AppendUint16(b, tag)
		b = le.AppendUint16(b, typ)
		b = le.AppendUint32(b, count)
		return le.AppendUint32(b, value)
	}
	// IFD0 at 8: two entries (Exif pointer, GPS pointer) = 2+24+4 = 30 bytes → ends at 38.
	const exifIFD, gpsIFD = 38, 56 // Exif IFD: 2+12+4 = 18 bytes → GPS IFD at 56
	const date = 56 + 2 + 4*12 + 4 // after the GPS IFD (4 entries)
	const lat, lon = date + 20, date + 20 + 24
	tiff = le.AppendUint16(tiff, 2)
	tiff = entry(tiff, 0x8769, 4, 1, exifIFD)
	tiff = entry(tiff, 0x8825, 4, 1, gpsIFD)
	tiff = le.AppendUint32(tiff, 0)
	tiff = le.AppendUint16(tiff, 1)
	tiff = entry(tiff, 0x9003, 2, 20, date)
	tiff = le.AppendUint32(tiff, 0)
	tiff = le.AppendUint16(tiff, 4)
	tiff = entry(tiff, 1, 2, 2, uint32('N'))
	tiff = entry(tiff, 2, 5, 3, lat)
	tiff = entry(tiff, 3, 2, 2, uint32('W'))
	tiff = entry(tiff, 4, 5, 3, lon)
	tiff = le.AppendUint32(tiff, 0)
	tiff = append(tiff, "2026:07:02 09:15:30\x00"...)
	for _, r := range [][2]uint32{{46, 1}, {30, 1}, {36, 1}, {8, 1}, {15, 1}, {0, 1}} {
		tiff = le.AppendUint32(tiff, r[0])
		tiff = le.AppendUint32(tiff, r[1])
	}
	seg := append([]byte("Exif\x00\x00"), tiff...)
	out := []byte{0xFF, 0xD8, 0xFF, 0xE1}
	out = binary.BigEndian.AppendUint16(out, uint16(len(seg)+2))
	out = append(out, seg...)
	return append(out, enc.Bytes()[2:]...)
}

// TestPositionTravelsOnlyWhenTheOwnerSharesIt: the same geotagged photo uploaded twice; the
// event and the API carry its position and taken-at time only for the upload whose owner set
// share_location, and the renditions never hold EXIF.
func TestPositionTravelsOnlyWhenTheOwnerSharesIt(t *testing.T) {
	t.Parallel()
	taken, pos := readEXIF(withGPS(t))
	if taken == nil || !taken.Equal(time.Date(2026, 7, 2, 9, 15, 30, 0, time.UTC)) || pos == nil ||
		math.Abs(pos.Latitude-46.51) > 1e-9 || math.Abs(pos.Longitude+8.25) > 1e-9 {
		t.Fatalf("readEXIF = %v, %+v; want 2026-07-02 09:15:30 at 46.51, -8.25", taken, pos)
	}
	svc := start(t)
	res := booked(svc, "geotagged", "CONFIRMED")
	for _, share := range []bool{false, true} {
		r := svc.Call(CallerApp, "POST", "/v1/uploads", map[string]any{"reservation_id": res.ReservationID,
			"uploaded_by": res.GuestID, "uploader_type": "GUEST", "content_type": "image/jpeg", "share_location": share})
		var g uploadGrant
		r.JSON(t, &g)
		if status, body := postToS3(t, g.Upload, nil, withGPS(t)); status/100 != 2 {
			t.Fatalf("upload: %d %s", status, s3Code(body))
		}
		done := svc.Call(CallerApp, "POST", "/v1/media/"+g.AssetID+"/complete", nil)
		var v itemView
		done.JSON(t, &v)
		ev := servicetest.AwaitEvent[schemas.MediaAssetUploaded](svc, TopicAssetUploaded,
			func(e *schemas.MediaAssetUploaded) bool { return e.AssetID == g.AssetID })
		if (ev.Position != nil) != share || (v.Position != nil) != share || ev.TakenAt == nil {
			t.Errorf("share_location %v: event position %+v, API position %+v, taken %v", share, ev.Position, v.Position, ev.TakenAt)
		}
		status, preview := get(t, v.URLs.Preview)
		if status != http.StatusOK || exifSegment(preview) != nil {
			t.Errorf("share_location %v: the preview (%d) holds an EXIF segment", share, status)
		}
	}
}
