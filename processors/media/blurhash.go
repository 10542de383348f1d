package media

import (
	"image"
	"math"
	"strings"
)

// blurhash encodes img as a BlurHash (blurha.sh, the reference algorithm) with cx×cy
// components: a 20–30 character placeholder the apps paint while the thumbnail loads. No Go
// module of it is maintained, and the algorithm is one short function.
func blurhash(img image.Image, cx, cy int) string {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	// Linear-light pixels, once.
	lin := make([][3]float64, w*h)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			r, g, bl, _ := img.At(b.Min.X+x, b.Min.Y+y).RGBA()
			lin[y*w+x] = [3]float64{srgbToLinear(r >> 8), srgbToLinear(g >> 8), srgbToLinear(bl >> 8)}
		}
	}
	factors := make([][3]float64, 0, cx*cy)
	for j := 0; j < cy; j++ {
		for i := 0; i < cx; i++ {
			norm := 2.0
			if i == 0 && j == 0 {
				norm = 1
			}
			var f [3]float64
			for y := 0; y < h; y++ {
				by := math.Cos(math.Pi * float64(j) * float64(y) / float64(h))
				for x := 0; x < w; x++ {
					basis := norm * math.Cos(math.Pi*float64(i)*float64(x)/float64(w)) * by
					p := lin[y*w+x]
					f[0] += basis * p[0]
					f[1] += basis * p[1]
					f[2] += basis * p[2]
				}
			}
			scale := 1 / float64(w*h)
			factors = append(factors, [3]float64{f[0] * scale, f[1] * scale, f[2] * scale})
		}
	}
	var sb strings.Builder
	sb.WriteString(base83((cx-1)+(cy-1)*9, 1))
	maxAC := 0.0
	for _, f := range factors[1:] {
		maxAC = math.Max(maxAC, math.Max(math.Abs(f[0]), math.Max(math.Abs(f[1]), math.Abs(f[2]))))
	}
	quantMax := 0
	if len(factors) > 1 {
		quantMax = int(math.Max(0, math.Min(82, math.Floor(maxAC*166-0.5))))
		maxAC = (float64(quantMax) + 1) / 166
	} else {
		maxAC = 1
	}
	sb.WriteString(base83(quantMax, 1))
	dc := factors[0]
	sb.WriteString(base83(linearToSRGB(dc[0])<<16+linearToSRGB(dc[1])<<8+linearToSRGB(dc[2]), 4))
	for _, f := range factors[1:] {
		q := func(v float64) int {
			return int(math.Max(0, math.Min(18, math.Floor(signPow(v/maxAC, 0.5)*9+9.5))))
		}
		sb.WriteString(base83(q(f[0])*19*19+q(f[1])*19+q(f[2]), 2))
	}
	return sb.String()
}

const base83Chars = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz#$%*+,-.:;=?@[]^_{|}~"

func base83(v, length int) string {
	out := make([]byte, length)
	for i := 1; i <= length; i++ {
		d := (v / int(math.Pow(83, float64(length-i)))) % 83
		out[i-1] = base83Chars[d]
	}
	return string(out)
}

func srgbToLinear(c uint32) float64 {
	v := float64(c) / 255
	if v <= 0.04045 {
		return v / 12.92
	}
	return math.Pow((v+0.055)/1.055, 2.4)
}

func linearToSRGB(v float64) int {
	v = math.Max(0, math.Min(1, v))
	if v <= 0.0031308 {
		return int(v*12.92*255 + 0.5)
	}
	return int((1.055*math.Pow(v, 1/2.4)-0.055)*255 + 0.5)
}

func signPow(v, exp float64) float64 { return math.Copysign(math.Pow(math.Abs(v), exp), v) }
