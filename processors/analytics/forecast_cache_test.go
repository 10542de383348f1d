package analytics

import "testing"

// TestFitCacheServesOnlyTheSameSeries: the same series is served from the cache (the same
// fit), and a series differing in one bucket, as after a late event, is fitted anew.
func TestFitCacheServesOnlyTheSameSeries(t *testing.T) {
	var c fitCache
	y := make([]float64, 28)
	for i := range y {
		y[i] = float64(10 + i%7*3 + i/7)
	}
	first, err := c.fit(y, 7)
	if err != nil {
		t.Fatal(err)
	}
	again, err := c.fit(append([]float64(nil), y...), 7)
	if err != nil || again.model != first.model {
		t.Fatalf("the same series was fitted again (%v)", err)
	}
	y[3] += 5 // a late event in an old bucket
	changed, err := c.fit(y, 7)
	if err != nil || changed.model == first.model || changed.model.SSE == first.model.SSE {
		t.Fatalf("a changed series got the cached fit (%v)", err)
	}
}
