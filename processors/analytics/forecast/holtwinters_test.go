package forecast

import (
	"encoding/json"
	"errors"
	"math"
	"os"
	"testing"
)

// reference is testdata/airpassengers.json: the classic airline passengers series with
// additive Holt-Winters results computed by statsmodels (its "source" and "reference").
type reference struct {
	Series []float64 `json:"series"`
	Period int       `json:"period"`
	Start  struct {
		Level, Trend float64
		Season       []float64
	} `json:"start"`
	Fixed struct {
		Alpha, Beta, Gamma float64
		Fitted             []float64
		SSE                float64
		Forecast           []float64
	} `json:"fixed"`
	Optimized struct {
		Alpha, Beta, Gamma, SSE float64
	} `json:"optimized"`
}

func loadReference(t *testing.T) reference {
	t.Helper()
	b, err := os.ReadFile("testdata/airpassengers.json")
	if err != nil {
		t.Fatal(err)
	}
	var r reference
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	return r
}

// TestSmoothMatchesTheReferenceFittedValues: with the reference's parameters and start,
// every fitted value, the SSE and the forecast of the airline series equal statsmodels' to
// 1e-6, for the first eleven steps. At step 12 (a whole season ahead) statsmodels 0.15
// uses the seasonal state from before the last observation's update; we use the updated
// one, as the textbook formula says (Hyndman & Athanasopoulos, "Forecasting: Principles
// and Practice", 8.3: s[t+h-m(k+1)], k = floor((h-1)/m), i.e. s[t] at h = m), so that
// step is checked against the formula: the reference's step 12 plus γ times the last
// one-step error.
func TestSmoothMatchesTheReferenceFittedValues(t *testing.T) {
	ref := loadReference(t)
	st, err := DefaultStart(ref.Series, ref.Period)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(st.Level-ref.Start.Level) > 1e-9 || math.Abs(st.Trend-ref.Start.Trend) > 1e-9 {
		t.Fatalf("DefaultStart = level %v trend %v, reference %v %v", st.Level, st.Trend, ref.Start.Level, ref.Start.Trend)
	}
	md := Smooth(ref.Series, ref.Period, ref.Fixed.Alpha, ref.Fixed.Beta, ref.Fixed.Gamma, st)
	for i, want := range ref.Fixed.Fitted {
		if math.Abs(md.Fitted[i]-want) > 1e-6 {
			t.Fatalf("fitted[%d] = %.6f, reference %.6f", i, md.Fitted[i], want)
		}
	}
	if math.Abs(md.SSE-ref.Fixed.SSE) > 1e-6 {
		t.Errorf("SSE = %.6f, reference %.6f", md.SSE, ref.Fixed.SSE)
	}
	n := len(ref.Series)
	lastError := ref.Series[n-1] - md.Fitted[n-1]
	for i, p := range md.Forecast(len(ref.Fixed.Forecast)) {
		want := ref.Fixed.Forecast[i]
		if i == ref.Period-1 {
			want += ref.Fixed.Gamma * lastError
		}
		if math.Abs(p.Mean-want) > 1e-6 {
			t.Errorf("forecast[%d] = %.6f, reference %.6f", i, p.Mean, want)
		}
	}
}

// TestFitFindsTheReferenceOptimum: our Nelder-Mead fit from the same start reaches at
// least the reference optimizer's SSE (within 0.5 %). The parameters themselves are not
// compared: the SSE surface of this series is flat along alpha and gamma, so two
// optimizers stop at different points of about the same error.
func TestFitFindsTheReferenceOptimum(t *testing.T) {
	ref := loadReference(t)
	md, err := Fit(ref.Series, ref.Period)
	if err != nil {
		t.Fatal(err)
	}
	if md.SSE > ref.Optimized.SSE*1.005 {
		t.Errorf("fitted SSE %.1f; the reference reached %.1f", md.SSE, ref.Optimized.SSE)
	}
	t.Logf("SSE %.1f at alpha %.4f beta %.4f gamma %.4f; reference SSE %.1f at %.4f %.4f %.4f", md.SSE, md.Alpha, md.Beta, md.Gamma,
		ref.Optimized.SSE, ref.Optimized.Alpha, ref.Optimized.Beta, ref.Optimized.Gamma)
}

// TestIntervalsNestAndWiden: every 95 % interval contains the 80 % one around the mean,
// and a later step's interval is never narrower than an earlier one's.
func TestIntervalsNestAndWiden(t *testing.T) {
	ref := loadReference(t)
	md, err := Fit(ref.Series, ref.Period)
	if err != nil {
		t.Fatal(err)
	}
	prev := 0.0
	for i, p := range md.Forecast(36) {
		if !(p.Lo95 < p.Lo80 && p.Lo80 < p.Mean && p.Mean < p.Hi80 && p.Hi80 < p.Hi95) {
			t.Fatalf("step %d: %+v is not nested", i+1, p)
		}
		if w := p.Hi95 - p.Lo95; w < prev {
			t.Fatalf("step %d: 95 %% width %.2f narrower than the step before (%.2f)", i+1, w, prev)
		} else {
			prev = w
		}
	}
}

// TestShortHistoryIsRefusedSayingWhatIsNeeded: fewer than two seasons is an error that
// says how many observations are needed.
func TestShortHistoryIsRefusedSayingWhatIsNeeded(t *testing.T) {
	_, err := Fit(make([]float64, 13), 7)
	var short *ShortHistoryError
	if !errors.As(err, &short) || short.Need != 14 || short.Have != 13 {
		t.Fatalf("Fit(13 days, weekly) = %v, want a ShortHistoryError needing 14", err)
	}
}

// TestBacktestHoldsOutTheLastSeason: with three seasons or more the error is measured on
// a forecast of the held-out last season; the airline series forecasts its 1960 within
// a few percent, and the full fit, started from the holdout's parameters, reaches the
// SSE of a cold fit (within 0.5 %); a series of zeros has no percentage error.
func TestBacktestHoldsOutTheLastSeason(t *testing.T) {
	ref := loadReference(t)
	md, bt, err := FitWithBacktest(ref.Series, ref.Period)
	if err != nil {
		t.Fatal(err)
	}
	if bt.Method != "holdout" || bt.Points != 12 || bt.MAPE == nil || *bt.MAPE <= 0 || *bt.MAPE > 10 {
		t.Errorf("backtest = %+v (MAPE %v), want a 12-month holdout with a MAPE in (0, 10] %%", bt, bt.MAPE)
	}
	cold, err := Fit(ref.Series, ref.Period)
	if err != nil {
		t.Fatal(err)
	}
	if md.SSE > cold.SSE*1.005 {
		t.Errorf("warm-started fit SSE %.1f; a cold fit reaches %.1f", md.SSE, cold.SSE)
	}
	_, zeros, err := FitWithBacktest(make([]float64, 14), 7)
	if err != nil {
		t.Fatal(err)
	}
	if zeros.Method != "one-step" || zeros.MAPE != nil {
		t.Errorf("backtest of two weeks of zeros = %+v, want one-step without MAPE", zeros)
	}
}
