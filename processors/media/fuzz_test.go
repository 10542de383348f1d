package media

import "testing"

// FuzzUploadBytes feeds arbitrary upload bytes to what reads them before any trust: the type
// sniffer, the EXIF reader and the renderer. None may panic; the renderer either refuses
// with a reason or makes both renditions.
func FuzzUploadBytes(f *testing.F) {
	f.Add([]byte{0xFF, 0xD8, 0xFF, 0xE1, 0x00, 0x10, 'E', 'x', 'i', 'f', 0, 0, 'M', 'M', 0, 0x2a, 0, 0, 0, 8})
	f.Add(bomb(100000, 100000))
	f.Add([]byte("RIFF\x00\x00\x00\x00WEBPVP8 "))
	f.Add([]byte("\x00\x00\x00\x18ftypqt  "))
	f.Fuzz(func(t *testing.T, b []byte) {
		sniff(b)
		readEXIF(b)
		for _, declared := range []string{"image/jpeg", "image/png", "image/webp", "image/heic"} {
			r, err := renderPhoto(b, declared, 1<<20)
			if err == nil && (len(r.thumbnail) == 0 || len(r.preview) == 0) {
				t.Fatalf("%s: no error and no renditions", declared)
			}
		}
	})
}
