package forecast

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
)

// A daily series has two seasons: the week and the year. The week is Holt-Winters' own
// season (seven states, each updated every week). The year is not: a 365-state season
// would see each state updated once a year, from a single observation, and 365.25 days
// is no whole number of weeks, so the two cannot nest as in Taylor's double-seasonal
// Holt-Winters (2003, half-hours in days in weeks). The year is instead a sum of K
// Fourier pairs fitted by least squares (trigonometric seasonality: Harvey 1989; De
// Livera, Hyndman & Snyder 2011; "dynamic harmonic regression" in Hyndman &
// Athanasopoulos, Forecasting: Principles and Practice, 3rd ed., 12.1, which chooses K
// by AICc as here), removed from the series, and weekly Holt-Winters runs on the rest.
// A forecast adds the yearly season back.

const (
	// Week is the daily series' short season.
	Week = 7
	// YearlyHistory is the history a yearly season needs: two years of days, as a
	// Holt-Winters season needs two seasons (one year cannot tell a yearly wave from the
	// trend). A shorter daily history gets the weekly season only.
	YearlyHistory = 730
	// YearDays is the yearly season's length in days, leap years included.
	YearDays = 365.25
	// maxHarmonics bounds K: ten pairs resolve features of about a month, finer than
	// any yearly pattern of bookings (a holiday week is noise to a yearly season).
	maxHarmonics = 10
)

// Yearly is a fitted yearly season of a daily series: K Fourier pairs of period
// YearDays, with day 0 the series' first day.
type Yearly struct {
	Harmonics int
	coef      []float64 // a₁, b₁, ..., a_K, b_K of a_k cos(2πkt/P) + b_k sin(2πkt/P)
}

// At is the yearly season on day t.
func (s *Yearly) At(t int) float64 {
	v := 0.0
	for k := 1; k <= s.Harmonics; k++ {
		w := 2 * math.Pi * float64(k) * float64(t) / YearDays
		v += s.coef[2*k-2]*math.Cos(w) + s.coef[2*k-1]*math.Sin(w)
	}
	return v
}

// fitYearly fits the yearly season of y: a least-squares regression of y on an
// intercept, a linear trend, six weekday indicators (so that neither the trend nor the
// week leaks into the year) and K Fourier pairs, for each K from 1 to maxHarmonics, and
// keeps the K with the lowest AICc. The columns are bounded and alike in scale, so the
// normal equations are well conditioned: XᵀX and Xᵀy are summed once for all K, and each
// K solves its leading block by Cholesky.
func fitYearly(y []float64) (*Yearly, error) {
	n, width := len(y), 8+2*maxHarmonics
	xtx := mat.NewSymDense(width, nil)
	xty := mat.NewVecDense(width, nil)
	row := make([]float64, width)
	x := mat.NewVecDense(width, row) // row, as a vector
	yy := 0.0
	for t, v := range y {
		clear(row)
		row[0], row[1] = 1, float64(t)/YearDays
		if d := t % Week; d > 0 {
			row[1+d] = 1
		}
		for j := 1; j <= maxHarmonics; j++ {
			w := 2 * math.Pi * float64(j) * float64(t) / YearDays
			row[6+2*j], row[7+2*j] = math.Cos(w), math.Sin(w)
		}
		xtx.SymRankOne(xtx, 1, x)
		xty.AddScaledVec(xty, v, x)
		yy += v * v
	}
	var best *Yearly
	bestAICc := math.Inf(1)
	for k := 1; k <= maxHarmonics; k++ {
		p := 8 + 2*k
		if n <= p+2 {
			break
		}
		var ch mat.Cholesky
		if !ch.Factorize(xtx.SliceSym(0, p).(*mat.SymDense)) {
			return nil, fmt.Errorf("forecast: yearly season: the regression of %d days on %d harmonics is singular", n, k)
		}
		rhs := xty.SliceVec(0, p)
		var beta mat.VecDense
		if err := ch.SolveVecTo(&beta, rhs); err != nil {
			return nil, fmt.Errorf("forecast: yearly season: %w", err)
		}
		rss := math.Max(yy-mat.Dot(&beta, rhs), 1e-300) // at the least-squares solution
		// AICc of a Gaussian regression with p coefficients and the variance.
		q := float64(p + 1)
		aicc := float64(n)*math.Log(rss/float64(n)) + 2*q + 2*q*(q+1)/(float64(n)-q-1)
		if aicc < bestAICc {
			bestAICc = aicc
			best = &Yearly{Harmonics: k, coef: append([]float64(nil), beta.RawVector().Data[8:]...)}
		}
	}
	if best == nil {
		return nil, &ShortHistoryError{Have: n, Need: YearlyHistory, Period: 365}
	}
	return best, nil
}

// Daily is a fitted daily model: weekly Holt-Winters on the series less its yearly
// season, or on the series itself when the history is shorter than YearlyHistory.
type Daily struct {
	Weekly *Model
	// Yearly is nil when the history was too short for it.
	Yearly *Yearly
	// days is the history's length: day `days` is the first forecast day.
	days int
}

// FitDaily fits a daily series (at least two weeks) with its weekly season, and its
// yearly season too when it has YearlyHistory days, and backtests the same model on the
// last week (held out when there are three weeks).
func FitDaily(y []float64) (*Daily, Backtest, error) {
	// Decided on the whole history, so that the backtest's model (a week shorter) is the
	// same model as the answer's.
	yearly := len(y) >= YearlyHistory
	return fitBacktested(y, Week, func(y []float64, guess Params) (*Daily, error) {
		d := &Daily{days: len(y)}
		z := y
		if yearly {
			var err error
			if d.Yearly, err = fitYearly(y); err != nil {
				return nil, err
			}
			z = make([]float64, len(y))
			for t, v := range y {
				z[t] = v - d.Yearly.At(t)
			}
		}
		var err error
		d.Weekly, err = fitFrom(z, Week, guess)
		return d, err
	})
}

// Forecast is the next h days: the weekly model's forecast and intervals, shifted by the
// yearly season of each day. The intervals are the weekly model's: they take the yearly
// season as known, so they are somewhat narrow far ahead.
func (d *Daily) Forecast(h int) []Point {
	out := d.Weekly.Forecast(h)
	if d.Yearly != nil {
		for i := range out {
			s := d.Yearly.At(d.days + i)
			p := &out[i]
			p.Mean, p.Lo80, p.Hi80, p.Lo95, p.Hi95 = p.Mean+s, p.Lo80+s, p.Hi80+s, p.Lo95+s, p.Hi95+s
		}
	}
	return out
}

func (d *Daily) oneStep() []float64 {
	if d.Yearly == nil {
		return d.Weekly.Fitted
	}
	out := make([]float64, len(d.Weekly.Fitted))
	for t, f := range d.Weekly.Fitted {
		out[t] = f + d.Yearly.At(t)
	}
	return out
}

// Params are the weekly model's smoothing parameters.
func (d *Daily) Params() Params { return d.Weekly.Params() }
