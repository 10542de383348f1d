// Package forecast is additive Holt-Winters exponential smoothing (level, trend and one
// season): the "trend forecasting" of svc-analytics, the method Oracle offers as
// Exponential Smoothing in DBMS_DATA_MINING. It fits the smoothing parameters by least
// squares on one-step-ahead errors, forecasts with prediction intervals, and measures
// itself with a backtest, so an answer always says how much to trust it. A daily series
// also has a yearly season, fitted as Fourier terms beside the weekly model (daily.go).
package forecast

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/optimize"
)

// ShortHistoryError says the history cannot support a seasonal model: the start values of
// trend and season need two whole seasons.
type ShortHistoryError struct {
	Have, Need, Period int
}

func (e *ShortHistoryError) Error() string {
	return fmt.Sprintf("forecast: %d observations; a season of %d needs at least %d (two seasons)", e.Have, e.Period, e.Need)
}

// Model is a fitted additive Holt-Winters model.
type Model struct {
	Alpha, Beta, Gamma float64
	Period             int
	// Fitted are the one-step-ahead forecasts of the history, Fitted[t] made before y[t].
	Fitted []float64
	// SSE is the sum of squared one-step-ahead errors.
	SSE float64
	// level, trend and the last Period seasonal states, oldest first, after the history.
	level, trend float64
	season       []float64
}

// Start are the initial states: the level and trend before the first observation and one
// seasonal state per position of the first season.
type Start struct {
	Level, Trend float64
	Season       []float64
}

// DefaultStart is the usual heuristic: the level is the first season's mean, the trend
// the change of the mean from the first to the second season per step, the seasonal
// states the first season's deviations from its mean.
func DefaultStart(y []float64, m int) (Start, error) {
	if m < 2 {
		return Start{}, fmt.Errorf("forecast: season length %d must be at least 2", m)
	}
	if len(y) < 2*m {
		return Start{}, &ShortHistoryError{Have: len(y), Need: 2 * m, Period: m}
	}
	first, second := mean(y[:m]), mean(y[m:2*m])
	s := Start{Level: first, Trend: (second - first) / float64(m), Season: make([]float64, m)}
	for i := range m {
		s.Season[i] = y[i] - first
	}
	return s, nil
}

// Smooth runs the recursions over y with the given parameters and start:
//
//	ŷ[t] = l + b + s[t-m]
//	l'   = α(y[t] - s[t-m]) + (1-α)(l + b)
//	b'   = β(l' - l) + (1-β)b
//	s[t] = γ(y[t] - l - b) + (1-γ)s[t-m]
func Smooth(y []float64, m int, alpha, beta, gamma float64, st Start) *Model {
	md := &Model{Alpha: alpha, Beta: beta, Gamma: gamma, Period: m, Fitted: make([]float64, len(y))}
	season := append([]float64(nil), st.Season...)
	md.SSE, md.level, md.trend = smooth(y, m, alpha, beta, gamma, st, season, md.Fitted)
	// Rotate so that season[0] is the state the next step uses.
	n := len(y) % m
	md.season = append(append([]float64(nil), season[n:]...), season[:n]...)
	return md
}

// smooth is Smooth's recursion, shared with the optimizer, which calls it hundreds of
// times per fit: season (a copy of the start's, updated in place) and fitted (nil when
// only the SSE is wanted) are the caller's, so an evaluation allocates nothing. It
// returns the SSE and the level and trend after y.
func smooth(y []float64, m int, alpha, beta, gamma float64, st Start, season, fitted []float64) (sse, l, b float64) {
	l, b = st.Level, st.Trend
	j := 0 // t mod m, without a division per step
	for t, v := range y {
		s := season[j]
		f := l + b + s
		if fitted != nil {
			fitted[t] = f
		}
		e := v - f
		sse += e * e
		nl := alpha*(v-s) + (1-alpha)*(l+b)
		nb := beta*(nl-l) + (1-beta)*b
		season[j] = gamma*(v-l-b) + (1-gamma)*s
		l, b = nl, nb
		if j++; j == m {
			j = 0
		}
	}
	return sse, l, b
}

// Params are the smoothing parameters: α of the level, β of the trend, γ of the season.
type Params struct {
	Alpha, Beta, Gamma float64
}

// defaultGuess is where the optimizer starts without a better guess: a moderately
// adaptive level, a slow trend and season.
var defaultGuess = Params{Alpha: 0.3, Beta: 0.05, Gamma: 0.2}

// Fit fits α, β and γ in (0, 1) to y with season length m by minimizing the sum of
// squared one-step-ahead errors (Nelder-Mead on the logits), from DefaultStart.
func Fit(y []float64, m int) (*Model, error) { return fitFrom(y, m, defaultGuess) }

// fitFrom is Fit with the optimizer starting at guess. A fit of almost the same series
// (the backtest's, without the last season) is a far better start than defaultGuess:
// the optimizer then stops after a fraction of the evaluations.
func fitFrom(y []float64, m int, guess Params) (*Model, error) {
	st, err := DefaultStart(y, m)
	if err != nil {
		return nil, err
	}
	season := make([]float64, m)
	params := func(x []float64) Params { return Params{logistic(x[0]), logistic(x[1]), logistic(x[2])} }
	problem := optimize.Problem{Func: func(x []float64) float64 {
		p := params(x)
		copy(season, st.Season)
		sse, _, _ := smooth(y, m, p.Alpha, p.Beta, p.Gamma, st, season, nil)
		return sse
	}}
	// Stop when 30 iterations in a row improve the SSE by less than a part in 10⁹: the
	// optimizer's default waits for 100 below an absolute 1e-10, which on an SSE in the
	// thousands only burns evaluations on the flat floor of the surface.
	settings := &optimize.Settings{FuncEvaluations: 2000, Converger: &optimize.FunctionConverge{Relative: 1e-9, Iterations: 30}}
	res, err := optimize.Minimize(problem, []float64{logit(guess.Alpha), logit(guess.Beta), logit(guess.Gamma)}, settings, &optimize.NelderMead{})
	if err != nil {
		return nil, fmt.Errorf("forecast: fit: %w", err)
	}
	p := params(res.X)
	return Smooth(y, m, p.Alpha, p.Beta, p.Gamma, st), nil
}

// Params are the fitted smoothing parameters (also the start of a refit).
func (md *Model) Params() Params { return Params{md.Alpha, md.Beta, md.Gamma} }

// Point is one forecast step: the mean and its 80 % and 95 % prediction intervals.
type Point struct {
	Mean, Lo80, Hi80, Lo95, Hi95 float64
}

// z-values of the central 80 % and 95 % of a normal distribution.
const (
	z80 = 1.2815515655446004
	z95 = 1.959963984540054
)

// Forecast is the next h steps. The intervals take the one-step error variance SSE/n and
// widen with the horizon as the additive model's errors accumulate (Hyndman et al.,
// "Forecasting with Exponential Smoothing", class 1 variance):
// σ²_h = σ²(1 + Σ_{j<h} (α(1 + jβ) + γ[j mod m = 0])²).
func (md *Model) Forecast(h int) []Point {
	sigma2 := md.SSE / float64(len(md.Fitted))
	out := make([]Point, h)
	acc := 1.0
	for i := range h {
		step := float64(i + 1)
		mean := md.level + step*md.trend + md.season[i%md.Period]
		if i > 0 {
			c := md.Alpha * (1 + float64(i)*md.Beta)
			if i%md.Period == 0 {
				c += md.Gamma
			}
			acc += c * c
		}
		sd := math.Sqrt(sigma2 * acc)
		out[i] = Point{Mean: mean, Lo80: mean - z80*sd, Hi80: mean + z80*sd, Lo95: mean - z95*sd, Hi95: mean + z95*sd}
	}
	return out
}

func mean(v []float64) float64 {
	s := 0.0
	for _, x := range v {
		s += x
	}
	return s / float64(len(v))
}

func logistic(x float64) float64 { return 1 / (1 + math.Exp(-x)) }

// logit is logistic's inverse, kept finite for a parameter at 0 or 1 (a guess from a fit
// whose logistic rounded to either).
func logit(p float64) float64 {
	p = math.Min(math.Max(p, 1e-9), 1-1e-9)
	return math.Log(p / (1 - p))
}
