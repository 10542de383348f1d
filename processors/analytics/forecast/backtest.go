package forecast

import "math"

// Backtest is how well the method forecast the latest season of the history.
type Backtest struct {
	// Method is "holdout" (the model fitted without the last season forecast it, the
	// honest test, possible with three seasons of history) or "one-step" (with two
	// seasons only: the one-step-ahead forecasts of the last season, made before seeing
	// each value).
	Method string
	// Points is how many observations the error is measured on.
	Points int
	// MAPE is the mean absolute percentage error in percent over the non-zero actuals;
	// nil when every actual was zero (a percentage of zero is undefined).
	MAPE *float64
}

// forecaster is a fitted model as the backtest sees it.
type forecaster interface {
	Forecast(h int) []Point
	// oneStep are the one-step-ahead forecasts of the history the model was fitted on.
	oneStep() []float64
	// Params are the smoothing parameters, the start of a refit on a longer history.
	Params() Params
}

// fitBacktested fits y and backtests the method on its last season (`held`, the season's
// length) in one pass: with a season to spare beyond the two the start needs, the model
// fitted without it forecasts it (the holdout), and the full fit starts from that fit's
// parameters, where it converges in a fraction of the evaluations of a cold start;
// otherwise one fit, whose one-step forecasts of the last season are the backtest. fit(y,
// guess) fits a model to y with its optimizer starting at guess, and refuses a history or
// season too short (DefaultStart's errors), which fitBacktested returns as they are.
func fitBacktested[M forecaster](y []float64, held int, fit func([]float64, Params) (M, error)) (M, Backtest, error) {
	n := len(y)
	var zero M
	guess := defaultGuess
	if held > 0 && n >= 3*held { // held > 0: a season too short is left to fit to refuse
		hold, err := fit(y[:n-held], guess)
		if err != nil {
			return zero, Backtest{}, err
		}
		pred := make([]float64, held)
		for i, p := range hold.Forecast(held) {
			pred[i] = p.Mean
		}
		md, err := fit(y, hold.Params())
		return md, Backtest{Method: "holdout", Points: held, MAPE: mape(y[n-held:], pred)}, err
	}
	md, err := fit(y, guess)
	if err != nil {
		return zero, Backtest{}, err
	}
	return md, Backtest{Method: "one-step", Points: held, MAPE: mape(y[n-held:], md.oneStep()[n-held:])}, nil
}

// FitWithBacktest fits additive Holt-Winters with season m to y (at least two seasons)
// and backtests it on the last season: held out when there are three seasons, else
// scored by its one-step forecasts.
func FitWithBacktest(y []float64, m int) (*Model, Backtest, error) {
	return fitBacktested(y, m, func(y []float64, guess Params) (*Model, error) { return fitFrom(y, m, guess) })
}

func (md *Model) oneStep() []float64 { return md.Fitted }

// mape is the mean absolute percentage error of pred against the non-zero actuals.
func mape(actual, pred []float64) *float64 {
	sum, k := 0.0, 0
	for i, a := range actual {
		if a != 0 {
			sum += math.Abs((a - pred[i]) / a)
			k++
		}
	}
	if k == 0 {
		return nil
	}
	v := 100 * sum / float64(k)
	return &v
}
