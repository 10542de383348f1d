package analytics

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/novatrek/support/internal/platform/fault"
	"github.com/novatrek/support/internal/platform/httpedge"
	"github.com/novatrek/support/internal/platform/problem"
	"github.com/novatrek/support/processors/analytics/forecast"
)

// maxHorizonDays is the furthest a forecast reaches (the spec's horizon ≤ 365 days).
const maxHorizonDays = 365

// forecastView is a forecast: the series it was fitted on, the fitted parameters, the
// forecast with its intervals and the backtest error.
type forecastView struct {
	Fact     string         `json:"fact"`
	Metric   string         `json:"metric"`
	By       string         `json:"by"`
	Key      string         `json:"key,omitempty"`
	Currency string         `json:"currency,omitempty"`
	Bucket   string         `json:"bucket"`
	Season   int            `json:"season"`
	Seasons  []seasonView   `json:"seasons"`
	History  historyView    `json:"history"`
	Model    modelView      `json:"model"`
	Backtest backtestView   `json:"backtest"`
	Points   []forecastStep `json:"forecast"`
}

// seasonView is one season of the bucket: fitted, or not and what it needs.
type seasonView struct {
	Name         string  `json:"name"`
	Period       float64 `json:"period"`
	Fitted       bool    `json:"fitted"`
	Harmonics    int     `json:"harmonics,omitempty"`
	NeededPoints int     `json:"needed_points,omitempty"`
	Reason       string  `json:"reason,omitempty"`
}

type historyView struct {
	From   string `json:"from"`
	To     string `json:"to"`
	Points int    `json:"points"`
}

type modelView struct {
	Method string  `json:"method"`
	Alpha  float64 `json:"alpha"`
	Beta   float64 `json:"beta"`
	Gamma  float64 `json:"gamma"`
}

type backtestView struct {
	Method string   `json:"method"`
	Points int      `json:"points"`
	MAPE   *float64 `json:"mape"`
}

type forecastStep struct {
	Bucket string  `json:"bucket"`
	Mean   float64 `json:"mean"`
	Lo80   float64 `json:"lo80"`
	Hi80   float64 `json:"hi80"`
	Lo95   float64 `json:"lo95"`
	Hi95   float64 `json:"hi95"`
}

// seasons are the Holt-Winters season lengths per bucket: a week of days, a year of
// months. A daily series' yearly season is forecast.Daily's, beside the week.
var seasons = map[string]int{"day": forecast.Week, "month": 12}

// dailyHistoryDays bounds a daily series: three years hold the two a yearly season
// needs with a year to spare, and a longer history only slows the fit.
const dailyHistoryDays = 3 * 365

// handleForecast serves GET /v1/forecasts: any metric's rollup series (fact, metric, by,
// key, currency) in complete buckets up to yesterday (at most dailyHistoryDays) or last
// month (every month kept), additive Holt-Winters with the bucket's seasons (a daily
// series' yearly one when it has two years), horizon buckets ahead (at most 365 days or
// 12 months).
func (a *app) handleForecast(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	win, err := parseWindow(r, a.now())
	if err != nil {
		return err
	}
	var bad []problem.FieldError
	fact := q.Get("fact")
	t := slices.Index(tableNames[:], fact)
	if t < 0 {
		bad = append(bad, problem.FieldError{Field: "fact", Reason: fmt.Sprintf("must be one of %v", tableNames)})
	}
	metric := q.Get("metric")
	if win.by != "all" && win.key == "" {
		bad = append(bad, problem.FieldError{Field: "key", Reason: "is required with by=" + win.by})
	}
	if metric == "" {
		bad = append(bad, problem.FieldError{Field: "metric", Reason: "is required (e.g. reservations)"})
	}
	horizon, err := strconv.Atoi(q.Get("horizon"))
	step := func(tm time.Time, k int) time.Time { return tm.AddDate(0, 0, k) }
	maxHorizon := maxHorizonDays
	if win.bucket == "month" {
		step = func(tm time.Time, k int) time.Time { return tm.AddDate(0, k, 0) }
		maxHorizon = 12
	}
	if err != nil || horizon < 1 || horizon > maxHorizon {
		bad = append(bad, problem.FieldError{Field: "horizon", Reason: fmt.Sprintf("must be a whole number of %ss from 1 to %d", win.bucket, maxHorizon)})
	}
	if len(bad) > 0 {
		return problem.Validation("The forecast parameters are not valid.", bad...)
	}
	m := seasons[win.bucket]
	last := step(monthStart(a.now()), -1) // the last complete month
	if win.bucket == "day" {
		last = a.now().UTC().Truncate(24*time.Hour).AddDate(0, 0, -1)
	}
	// Months: everything kept (two seasons need 24). Days: at most dailyHistoryDays.
	first := a.cfg.oldestKept(a.now())
	if earliest := last.AddDate(0, 0, 1-dailyHistoryDays); win.bucket == "day" && first.Before(earliest) {
		first = earliest
	}
	series, err := a.series(r.Context(), table(t), metric, win, q.Get("currency"), first, last, step)
	if err != nil {
		return err
	}
	// Leading empty buckets are before the metric existed, not zeros.
	for len(series) > 0 && series[0].value == 0 {
		series = series[1:]
	}
	y := make([]float64, len(series))
	for i, p := range series {
		y[i] = p.value
	}
	fc, err := fit(y, win.bucket)
	var short *forecast.ShortHistoryError
	if errors.As(err, &short) {
		detail := fmt.Sprintf("A season of %d %ss needs two seasons of history, %d %ss; %s has %d.", m, win.bucket, short.Need, win.bucket, metric, short.Have)
		if win.bucket == "day" {
			detail += fmt.Sprintf(" The yearly season as well needs %d days.", forecast.YearlyHistory)
		}
		return fault.Unprocessable("history-too-short", "Not enough history to forecast", detail).
			With("history_points", short.Have).With("needed_points", short.Need)
	}
	if err != nil {
		return err
	}
	v := forecastView{Fact: fact, Metric: metric, By: win.by, Key: win.key, Currency: q.Get("currency"), Bucket: win.bucket, Season: m,
		Seasons:  fc.seasons,
		History:  historyView{From: series[0].bucket.Format(time.DateOnly), To: last.Format(time.DateOnly), Points: len(y)},
		Model:    modelView{Method: fc.method, Alpha: fc.params.Alpha, Beta: fc.params.Beta, Gamma: fc.params.Gamma},
		Backtest: backtestView{Method: fc.backtest.Method, Points: fc.backtest.Points, MAPE: fc.backtest.MAPE}}
	for i, p := range fc.forecast(horizon) {
		v.Points = append(v.Points, forecastStep{Bucket: step(last, i+1).Format(time.DateOnly), Mean: p.Mean, Lo80: p.Lo80, Hi80: p.Hi80, Lo95: p.Lo95, Hi95: p.Hi95})
	}
	return httpedge.WriteJSON(w, http.StatusOK, v)
}

// fitted is a series' model as the answer describes it.
type fitted struct {
	method   string
	params   forecast.Params
	seasons  []seasonView
	backtest forecast.Backtest
	forecast func(h int) []forecast.Point
}

// fits memoizes fit, a pure function of the series and its bucket: a repeated forecast
// of an unchanged series (a dashboard refreshing, another horizon) skips the optimizer,
// and a series with a new fact or a new day has another key. 256 fits of three years of
// days are under 10 MiB.
var fits = forecast.NewMemo[fitted](256)

// fit fits y, a series of bucket, or finds the fit of the same values in fits.
func fit(y []float64, bucket string) (fitted, error) {
	key := forecast.KeyOf(bucket, y)
	if f, ok := fits.Get(key); ok {
		return f, nil
	}
	f, err := fitSeries(y, bucket)
	if err == nil {
		fits.Put(key, f)
	}
	return f, err
}

// fitSeries fits y, a series of bucket: days with forecast.FitDaily (the week, and the year
// when the history has two), months with a yearly Holt-Winters season; the model and its
// backtest come from one pass.
func fitSeries(y []float64, bucket string) (fitted, error) {
	if bucket == "month" {
		md, bt, err := forecast.FitWithBacktest(y, seasons["month"])
		if err != nil {
			return fitted{}, err
		}
		return fitted{method: "additive Holt-Winters", params: md.Params(), backtest: bt, forecast: md.Forecast,
			seasons: []seasonView{{Name: "yearly", Period: float64(seasons["month"]), Fitted: true}}}, nil
	}
	d, bt, err := forecast.FitDaily(y)
	if err != nil {
		return fitted{}, err
	}
	f := fitted{method: "additive Holt-Winters", params: d.Weekly.Params(), backtest: bt, forecast: d.Forecast,
		seasons: []seasonView{{Name: "weekly", Period: forecast.Week, Fitted: true}}}
	if d.Yearly != nil {
		f.method = "additive Holt-Winters with a weekly season on the series less a Fourier yearly season"
		f.seasons = append(f.seasons, seasonView{Name: "yearly", Period: forecast.YearDays, Fitted: true, Harmonics: d.Yearly.Harmonics})
	} else {
		f.seasons = append(f.seasons, seasonView{Name: "yearly", Period: forecast.YearDays, NeededPoints: forecast.YearlyHistory,
			Reason: fmt.Sprintf("a yearly season needs two years of days, %d; the history has %d", forecast.YearlyHistory, len(y))})
	}
	return f, nil
}
