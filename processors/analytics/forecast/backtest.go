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

// Evaluate backtests additive Holt-Winters with season m on y (at least two seasons).
func Evaluate(y []float64, m int) (Backtest, error) {
	n := len(y)
	if n >= 3*m {
		md, err := Fit(y[:n-m], m)
		if err != nil {
			return Backtest{}, err
		}
		pred := make([]float64, m)
		for i, p := range md.Forecast(m) {
			pred[i] = p.Mean
		}
		return Backtest{Method: "holdout", Points: m, MAPE: mape(y[n-m:], pred)}, nil
	}
	md, err := Fit(y, m)
	if err != nil {
		return Backtest{}, err
	}
	return Backtest{Method: "one-step", Points: m, MAPE: mape(y[n-m:], md.Fitted[n-m:])}, nil
}

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
