package simulate

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"image"
	"image/color"
	"image/jpeg"
	"math"
)

// Size of the simulated guests' photos: small, so make run stays light, yet real JPEGs that
// the media service decodes and thumbnails like a phone's.
const photoW, photoH = 640, 480

// scenePhoto is a JPEG of a made-up landscape drawn from seed: a sky fading to the horizon,
// a sun, and a mountain ridge, each seed its own. The same seed gives the same bytes.
func scenePhoto(seed string) []byte {
	h := sha256.Sum256([]byte("photo/" + seed))
	f := func(i int) float64 { return float64(binary.BigEndian.Uint16(h[2*i:])) / 65535 }
	sky := color.RGBA{uint8(40 + 80*f(0)), uint8(110 + 80*f(1)), uint8(180 + 70*f(2)), 255}
	ground := color.RGBA{uint8(50 + 90*f(3)), uint8(70 + 60*f(4)), uint8(30 + 40*f(5)), 255}
	sunX, sunY, sunR := photoW*(0.15+0.7*f(6)), photoH*(0.1+0.25*f(7)), 20+30*f(8)
	phase, height := 6.3*f(9), photoH*(0.45+0.2*f(10))
	img := image.NewRGBA(image.Rect(0, 0, photoW, photoH))
	ridges := make([]float64, photoW) // the skyline's height per column
	for x := range ridges {
		fx := float64(x)
		ridges[x] = height + 40*math.Sin(fx/70+phase) + 15*math.Sin(fx/23+2*phase)
	}
	for y := range photoH {
		for x := range photoW {
			fx, fy, ridge := float64(x), float64(y), ridges[x]
			var c color.RGBA
			switch {
			case fy > ridge:
				shade := 1 - 0.4*(fy-ridge)/photoH
				c = color.RGBA{uint8(float64(ground.R) * shade), uint8(float64(ground.G) * shade), uint8(float64(ground.B) * shade), 255}
			case math.Hypot(fx-sunX, fy-sunY) < sunR:
				c = color.RGBA{255, 236, 170, 255}
			default:
				lift := fy / photoH // lighter towards the horizon
				c = color.RGBA{mix(sky.R, 235, lift), mix(sky.G, 225, lift), mix(sky.B, 215, lift), 255}
			}
			img.SetRGBA(x, y, c)
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 85}); err != nil {
		panic("simulate: encode a photo: " + err.Error()) // writing to memory cannot fail
	}
	return buf.Bytes()
}

// mix is a + t·(b − a), t in [0, 1].
func mix(a, b uint8, t float64) uint8 { return uint8(float64(a) + t*(float64(b)-float64(a))) }
