package forecast

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"
)

// weekPattern and the yearly wave are the known seasons of the synthetic series below.
var weekPattern = [Week]float64{12, 6, 0, -2, -4, -6, -6}

func yearWave(t int) float64 {
	w := 2 * math.Pi * float64(t) / YearDays
	return 40*math.Sin(w) + 12*math.Cos(2*w)
}

// signal is the noiseless synthetic daily series: a level of 300 rising 0.05 a day, the
// week and the year.
func signal(t int) float64 { return 300 + 0.05*float64(t) + weekPattern[t%Week] + yearWave(t) }

// noisy is days of signal with Gaussian noise of standard deviation 4 (a fixed seed).
func noisy(days int) []float64 {
	rng := rand.New(rand.NewPCG(13, 2003))
	y := make([]float64, days)
	for t := range y {
		y[t] = signal(t) + 4*rng.NormFloat64()
	}
	return y
}

// TestDailyRecoversKnownWeeklyAndYearlySeasons: on three years of a series with a known
// week, year and trend plus noise, FitDaily's yearly season is the true one within 3
// (of an amplitude of 50) on every day of a year, its weekly states are the true week
// within 2, its forecast of the next year is within 2 % of the noiseless truth (MAPE)
// where the weekly-only model misses by several times more, and the 95 % intervals hold
// the noisy future as often as they should.
func TestDailyRecoversKnownWeeklyAndYearlySeasons(t *testing.T) {
	const days = 3 * 365
	y := noisy(days + 365)
	history, future := y[:days], y[days:]
	d, bt, err := FitDaily(history)
	if err != nil {
		t.Fatal(err)
	}
	if d.Yearly == nil {
		t.Fatal("no yearly season fitted on three years")
	}
	worst := 0.0
	for day := range 365 {
		worst = math.Max(worst, math.Abs(d.Yearly.At(day)-yearWave(day)))
	}
	if worst > 3 {
		t.Errorf("yearly season off the true one by up to %.2f", worst)
	}
	// The weekly states after the history, centred (a constant belongs to the level).
	mean := 0.0
	for _, s := range d.Weekly.season {
		mean += s / Week
	}
	for i, s := range d.Weekly.season {
		if want := weekPattern[(days+i)%Week]; math.Abs(s-mean-want) > 2 {
			t.Errorf("weekly state of day %d = %.2f, true %.2f", (days+i)%Week, s-mean, want)
		}
	}
	truth := make([]float64, 365)
	for i := range truth {
		truth[i] = signal(days + i)
	}
	points := d.Forecast(365)
	means := make([]float64, 365)
	in95 := 0
	for i, p := range points {
		means[i] = p.Mean
		if p.Lo95 <= future[i] && future[i] <= p.Hi95 {
			in95++
		}
	}
	weeklyOnly, err := Fit(history, Week)
	if err != nil {
		t.Fatal(err)
	}
	weeklyMeans := make([]float64, 365)
	for i, p := range weeklyOnly.Forecast(365) {
		weeklyMeans[i] = p.Mean
	}
	both, week := *mape(truth, means), *mape(truth, weeklyMeans)
	t.Logf("year ahead MAPE %.2f %% with both seasons (K=%d), %.2f %% weekly only; 95 %% intervals hold %d of 365; backtest %s %.2f %%",
		both, d.Yearly.Harmonics, week, in95, bt.Method, *bt.MAPE)
	if both > 2 {
		t.Errorf("year-ahead MAPE with both seasons %.2f %%, want ≤ 2 %%", both)
	}
	if week < 3*both {
		t.Errorf("weekly-only MAPE %.2f %% is not clearly worse than %.2f %%: the test series does not exercise the yearly season", week, both)
	}
	if in95 < 330 {
		t.Errorf("95 %% intervals hold %d of 365 future days", in95)
	}
	if bt.Method != "holdout" || bt.Points != Week || bt.MAPE == nil || *bt.MAPE > 3 {
		t.Errorf("backtest = %+v, want a one-week holdout within 3 %%", bt)
	}
}

// TestDailyUnderTwoYearsFitsTheWeekOnly: a day short of two years gets the weekly season
// only (and says so: Yearly is nil); under two weeks is a ShortHistoryError asking for 14.
func TestDailyUnderTwoYearsFitsTheWeekOnly(t *testing.T) {
	d, _, err := FitDaily(noisy(YearlyHistory - 1))
	if err != nil {
		t.Fatal(err)
	}
	if d.Yearly != nil {
		t.Errorf("yearly season fitted on %d days", YearlyHistory-1)
	}
	if d, _, err = FitDaily(noisy(YearlyHistory)); err != nil || d.Yearly == nil {
		t.Errorf("FitDaily(%d days) = yearly %v, %v; want a yearly season", YearlyHistory, d, err)
	}
	_, _, err = FitDaily(noisy(13))
	var short *ShortHistoryError
	if !errors.As(err, &short) || short.Need != 14 || short.Have != 13 {
		t.Fatalf("FitDaily(13 days) = %v, want a ShortHistoryError needing 14", err)
	}
}
