package media

import (
	"bytes"
	"image"
	"image/jpeg"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// photo12MP is a 4000×3000 JPEG (a phone camera's 12 megapixels) of a busy scene, made once.
var photo12MP = sync.OnceValue(func() []byte {
	img := image.NewYCbCr(image.Rect(0, 0, 4000, 3000), image.YCbCrSubsampleRatio420)
	for i := range img.Y {
		img.Y[i] = uint8(i*7 + i/4000*13)
	}
	for i := range img.Cb {
		img.Cb[i], img.Cr[i] = uint8(i*3), uint8(i/2000*5)
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 90}); err != nil {
		panic(err)
	}
	return buf.Bytes()
})

// BenchmarkRender12MP is the speed target: thumbnail + preview (+ blurhash) of a
// 12-megapixel JPEG, beside a plain Go decode of the same file in the same run (the cost of
// looking at every pixel once, which libvips' shrink-on-load avoids, and the measure of the
// machine's load at the time).
func BenchmarkRender12MP(b *testing.B) {
	src := photo12MP()
	timed := func(f func()) time.Duration {
		start := time.Now()
		f()
		return time.Since(start)
	}
	const rounds = 5
	var decode, render time.Duration
	for range b.N {
		for range rounds {
			decode += timed(func() {
				if _, err := jpeg.Decode(bytes.NewReader(src)); err != nil {
					b.Fatal(err)
				}
			})
			render += timed(func() {
				if _, err := renderPhoto(src, "image/jpeg", 50e6); err != nil {
					b.Fatal(err)
				}
			})
		}
	}
	n := float64(b.N * rounds)
	b.ReportMetric(float64(render.Milliseconds())/n, "render_ms")
	b.ReportMetric(float64(decode.Milliseconds())/n, "plain_decode_ms")
}

// BenchmarkTwentyConcurrentRenders lands 20 12-megapixel uploads at once through the render
// gate complete uses (MEDIA_RENDER_CONCURRENCY, default 2) and reports the process's peak
// RSS (VmHWM) beside the RSS before they started.
func BenchmarkTwentyConcurrentRenders(b *testing.B) {
	src := photo12MP()
	before := rssKiB(b, "VmRSS")
	gate := make(chan struct{}, 2)
	for range b.N {
		var wg sync.WaitGroup
		for range 20 {
			wg.Go(func() {
				gate <- struct{}{}
				defer func() { <-gate }()
				if _, err := renderPhoto(src, "image/jpeg", 50e6); err != nil {
					b.Error(err)
				}
			})
		}
		wg.Wait()
	}
	b.ReportMetric(float64(rssKiB(b, "VmHWM"))/1024, "peak_rss_MiB")
	b.ReportMetric(float64(before)/1024, "rss_before_MiB")
}

// rssKiB reads a VmXXX line of /proc/self/status.
func rssKiB(b *testing.B, field string) int {
	raw, err := os.ReadFile("/proc/self/status")
	if err != nil {
		b.Fatal(err)
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			n, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
			return n
		}
	}
	b.Fatalf("no %s in /proc/self/status", field)
	return 0
}
