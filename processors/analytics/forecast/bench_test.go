package forecast

import (
	"fmt"
	"slices"
	"testing"
	"time"
)

// BenchmarkFitDaily is the forecast's fitting cost per request, on one and three years of
// a daily series with a weekly and a yearly season (the synthetic series of
// daily_test.go), as medians of 21 runs each, interleaved:
//
//   - fit_ms: FitDaily, the model and its one-week holdout backtest in one pass (the full
//     fit warm-started from the holdout's parameters);
//   - two_cold_fits_ms: the same two fits each from the default guess, as the endpoint
//     ran them before (the answer's fit and a separate backtest fit), the baseline;
//   - smooth_pass_us: one pass of the recursions over the series, the unit of work the
//     optimizer repeats; fit_ms over it is about how many passes a fit costs.
//
// Each of a request's fits is remembered (the API's memo), so this is the cost of the
// first request after the series changed.
func BenchmarkFitDaily(b *testing.B) {
	for _, days := range []int{365, 3 * 365} {
		b.Run(fmt.Sprintf("days=%d", days), func(b *testing.B) {
			y := noisy(days)
			st, err := DefaultStart(y, Week)
			if err != nil {
				b.Fatal(err)
			}
			season := make([]float64, Week)
			for b.Loop() {
				// Interleaved, so that the three see the same moments of the machine's load.
				var fit, cold, pass [21]time.Duration
				for i := range fit {
					fit[i] = timed(func() {
						if _, _, err := FitDaily(y); err != nil {
							b.Fatal(err)
						}
					})
					cold[i] = timed(func() {
						for _, part := range [][]float64{y[:days-Week], y} {
							if _, err := Fit(part, Week); err != nil {
								b.Fatal(err)
							}
						}
					})
					pass[i] = timed(func() {
						copy(season, st.Season)
						smooth(y, Week, 0.3, 0.05, 0.2, st, season, nil)
					})
				}
				b.ReportMetric(median(fit[:]).Seconds()*1e3, "fit_ms")
				b.ReportMetric(median(cold[:]).Seconds()*1e3, "two_cold_fits_ms")
				b.ReportMetric(median(pass[:]).Seconds()*1e6, "smooth_pass_us")
			}
		})
	}
}

func timed(f func()) time.Duration {
	start := time.Now()
	f()
	return time.Since(start)
}

// median is the median of d (sorted in place).
func median(d []time.Duration) time.Duration {
	slices.Sort(d)
	return d[len(d)/2]
}
