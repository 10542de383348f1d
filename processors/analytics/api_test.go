package analytics

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/novatrek/support/internal/testkit/servicetest"
)

// writeRows writes rows through the service's own writer in one transaction, as a batch of
// the consumer would: for building long histories without a Kafka round trip per event.
func writeRows(t *testing.T, svc *servicetest.Service[*app], rows []row) {
	t.Helper()
	if err := pgx.BeginFunc(context.Background(), svc.DB, func(tx pgx.Tx) error { return write(context.Background(), tx, rows) }); err != nil {
		t.Fatal(err)
	}
}

// rowsOf are the facts event eventID implies, with their identities.
func rowsOf(eventID string, fs []fact) []row {
	out := make([]row, len(fs))
	for i, f := range fs {
		out[i] = row{eventID: eventID, seq: int16(i), fact: f}
	}
	return out
}

// TestDashboardsServeTheRollups: booking trends per trip, revenue netted per currency,
// safety counts and utilization ratios, from events published to the topics.
func TestDashboardsServeTheRollups(t *testing.T) {
	t.Parallel()
	svc := start(t)
	day := time.Now().UTC().Truncate(24 * time.Hour).Add(-24 * time.Hour)
	var ids []string
	for n := range 6 { // n%3 picks trip and currency: two of each
		for _, k := range []int{0, 5, 10, 6, 19} { // reserved, paid, refunded, incident, capacity
			ids = append(ids, publish(svc, k, n, day.Add(time.Duration(n)*time.Hour)))
		}
	}
	for _, id := range ids {
		svc.AwaitApplied(id)
	}
	q := "?from=" + day.Format(time.DateOnly) + "&to=" + day.Format(time.DateOnly)

	var trends dashboardView
	r := svc.Call(CallerAnalysts, "GET", "/v1/booking-trends"+q+"&by=trip&key="+trips[0], nil)
	r.JSON(t, &trends)
	found := false
	for _, row := range trends.Rows {
		if row.Metric == "reservations" {
			found = true
			if row.Key != trips[0] || row.Count != 2 || row.Total != "2" || row.Bucket != day.Format(time.DateOnly) {
				t.Errorf("reservations of %s = %+v, want 2 on %s", trips[0], row, day.Format(time.DateOnly))
			}
		}
	}
	if r.Status != http.StatusOK || !found {
		t.Fatalf("booking trends = %d %s", r.Status, r.Body)
	}

	var rev struct{ Rows []revenueLine }
	r = svc.Call(CallerFinanceOps, "GET", "/v1/revenue"+q, nil)
	r.JSON(t, &rev)
	if r.Status != http.StatusOK || len(rev.Rows) != 3 {
		t.Fatalf("revenue = %d %s, want a row per currency (USD, EUR, JPY)", r.Status, r.Body)
	}
	for _, l := range rev.Rows {
		// Every payment here was refunded in full: net zero, in the currency's own digits.
		if l.Net != "0" && l.Net != "0.00" || l.Gross == "0" || l.Gross[0] == '-' || l.Refunded[0] != '-' {
			t.Errorf("revenue %+v: want gross > 0 refunded in full, net 0", l)
		}
	}

	var safety dashboardView
	svc.Call(CallerAnalysts, "GET", "/v1/safety-metrics"+q, nil).JSON(t, &safety)
	if len(safety.Rows) != 1 || safety.Rows[0].Metric != "incidents" || safety.Rows[0].Count != 6 {
		t.Errorf("safety = %+v, want 6 incidents", safety.Rows)
	}

	var util dashboardView
	svc.Call(CallerAnalysts, "GET", "/v1/utilization"+q+"&by=location", nil).JSON(t, &util)
	if len(util.Utilization) != 3 {
		t.Fatalf("utilization ratios = %+v, want one per location", util.Utilization)
	}
	for _, u := range util.Utilization {
		if u.Ratio <= 0.8 || u.Ratio >= 1 {
			t.Errorf("utilization %+v: occupancy 80..99 of 100 should give a ratio in (0.8, 1)", u)
		}
	}
}

// TestSatisfactionScoresForGuestProfiles: svc-guest-profiles reads a guest's scores;
// finance-ops, a caller without the permission, is refused; one target at a time.
func TestSatisfactionScoresForGuestProfiles(t *testing.T) {
	t.Parallel()
	svc := start(t)
	at := time.Now().UTC().Add(-time.Hour)
	svc.AwaitApplied(publish(svc, 16, 3, at)) // review: rating 4, guide rating 1
	_, _, ev := sample(16, 3, at)
	guest := id("guest/16/3")

	var v satisfactionView
	r := svc.Call(CallerGuestProfiles, "GET", "/v1/satisfaction-scores?guest_id="+guest, nil)
	r.JSON(t, &v)
	if r.Status != http.StatusOK || v.TargetType != "guest" || len(v.Metrics) != 2 {
		t.Fatalf("satisfaction = %d %s, want review_rating and guide_rating", r.Status, r.Body)
	}
	want := map[string]float64{"review_rating": 4, "guide_rating": 1}
	for _, m := range v.Metrics {
		if m.Average != want[m.Metric] || m.Count != 1 {
			t.Errorf("%s = %+v, want average %v of 1 (event %s)", m.Metric, m, want[m.Metric], ev.EventMeta().EventID)
		}
	}
	var byGuide satisfactionView
	svc.Call(CallerGuestProfiles, "GET", "/v1/satisfaction-scores?guide_id="+guides[0], nil).JSON(t, &byGuide)
	if len(byGuide.Metrics) != 2 || byGuide.Metrics[0].Metric != "guide_rating" || byGuide.Metrics[0].Average != 1 ||
		byGuide.Metrics[1].Metric != "review_rating" || byGuide.Metrics[1].Average != 4 {
		t.Errorf("satisfaction of guide %s = %+v, want guide_rating 1 and review_rating 4 from the rollups", guides[0], byGuide.Metrics)
	}
	if r := svc.Call(CallerFinanceOps, "GET", "/v1/satisfaction-scores?guest_id="+guest, nil); r.Status != http.StatusForbidden {
		t.Errorf("finance-ops = %d, want 403", r.Status)
	}
	r = svc.Call(CallerGuestProfiles, "GET", "/v1/satisfaction-scores?guest_id="+guest+"&trip_id="+trips[0], nil)
	if r.Status != http.StatusBadRequest || !strings.Contains(string(r.Body), `"field":"trip_id"`) {
		t.Errorf("two targets = %d %s, want 400 naming trip_id", r.Status, r.Body)
	}
}

// TestBadRangesAreRefusedNamingTheField: each malformed parameter is a 400 problem+json
// naming it.
func TestBadRangesAreRefusedNamingTheField(t *testing.T) {
	t.Parallel()
	svc := start(t)
	for _, c := range []struct{ path, field string }{
		{"/v1/booking-trends?from=2026-13-01", "from"},
		{"/v1/booking-trends?from=2026-06-02&to=2026-06-01", "to"},
		{"/v1/revenue?bucket=week", "bucket"},
		{"/v1/safety-metrics?by=guest", "by"},
		{"/v1/utilization?key=LOC-1", "key"},
		{"/v1/booking-trends?from=2020-01-01&to=2026-01-01", "from"},
		{"/v1/forecasts?fact=booking_metrics&metric=reservations&horizon=366", "horizon"},
		{"/v1/forecasts?fact=bookings&metric=reservations&horizon=7", "fact"},
		{"/v1/forecasts?fact=booking_metrics&horizon=7", "metric"},
	} {
		r := svc.Call(CallerAnalysts, "GET", c.path, nil)
		if r.Status != http.StatusBadRequest || r.Header.Get("Content-Type") != "application/problem+json" ||
			!strings.Contains(string(r.Body), fmt.Sprintf(`"field":%q`, c.field)) {
			t.Errorf("GET %s = %d %s %s, want a 400 problem naming %s", c.path, r.Status, r.Header.Get("Content-Type"), r.Body, c.field)
		}
	}
}

// TestForecastOfAWeeklyPattern: eight weeks of daily reservations with a weekly pattern
// and a trend forecast 14 days with intervals and a holdout backtest, saying the yearly
// season was not fitted and needs 730 days; with 13 days of history the answer is a 422
// saying 14 are needed. The same series answers the same (from the memo of fits); one more
// fact of yesterday is another series, fitted anew.
func TestForecastOfAWeeklyPattern(t *testing.T) {
	t.Parallel()
	svc := start(t)
	yesterday := time.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, -1)
	history := func(days int, trip string) {
		var rows []row
		for d := range days {
			at := yesterday.AddDate(0, 0, d-days+1).Add(12 * time.Hour)
			n := 10 + d/7 + []int{0, 2, 4, 6, 8, 12, 3}[d%7] // trend plus a weekly shape
			for i := range n {
				f := count(bookingMetrics, at, "reservations")
				f.trip = trip
				rows = append(rows, rowsOf(id(fmt.Sprintf("%s/%d/%d", trip, d, i)), []fact{f})...)
			}
		}
		writeRows(t, svc, rows)
	}
	history(56, trips[0])
	history(13, trips[1])

	var v forecastView
	r := svc.Call(CallerAnalysts, "GET", "/v1/forecasts?fact=booking_metrics&metric=reservations&horizon=14&by=trip&key="+trips[0], nil)
	r.JSON(t, &v)
	if r.Status != http.StatusOK || len(v.Points) != 14 || v.Season != 7 || v.History.Points != 56 {
		t.Fatalf("forecast = %d %s", r.Status, r.Body)
	}
	if v.Backtest.Method != "holdout" || v.Backtest.MAPE == nil || *v.Backtest.MAPE > 15 {
		t.Errorf("backtest = %+v, want a holdout with a small MAPE on a clean pattern", v.Backtest)
	}
	if len(v.Seasons) != 2 || v.Seasons[0] != (seasonView{Name: "weekly", Period: 7, Fitted: true}) ||
		v.Seasons[1].Name != "yearly" || v.Seasons[1].Fitted || v.Seasons[1].NeededPoints != 730 || !strings.Contains(v.Seasons[1].Reason, "has 56") {
		t.Errorf("seasons = %+v, want the weekly fitted and the yearly not, needing 730 days", v.Seasons)
	}
	if first := v.Points[0]; first.Bucket != yesterday.AddDate(0, 0, 1).Format(time.DateOnly) || !(first.Lo95 < first.Lo80 && first.Hi80 < first.Hi95) {
		t.Errorf("first point %+v: want tomorrow with nested intervals", first)
	}
	path := "/v1/forecasts?fact=booking_metrics&metric=reservations&horizon=14&by=trip&key=" + trips[0]
	if again := svc.Call(CallerAnalysts, "GET", path, nil); string(again.Body) != string(r.Body) {
		t.Errorf("the same series answered differently:\n%s\n%s", r.Body, again.Body)
	}
	late := count(bookingMetrics, yesterday.Add(20*time.Hour), "reservations")
	late.trip = trips[0]
	writeRows(t, svc, rowsOf(id("one more of yesterday"), []fact{late}))
	var after forecastView
	svc.Call(CallerAnalysts, "GET", path, nil).JSON(t, &after)
	if len(after.Points) != 14 || after.Points[0].Mean == v.Points[0].Mean {
		t.Errorf("after one more fact the forecast starts at %+v, before %+v: want a refit", after.Points, v.Points[0])
	}

	r = svc.Call(CallerAnalysts, "GET", "/v1/forecasts?fact=booking_metrics&metric=reservations&horizon=7&by=trip&key="+trips[1], nil)
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(string(r.Body), `"needed_points":14`) ||
		!strings.Contains(string(r.Body), "history-too-short") || !strings.Contains(string(r.Body), "yearly season as well needs 730 days") {
		t.Errorf("forecast on 13 days = %d %s, want 422 history-too-short needing 14", r.Status, r.Body)
	}
}

// TestTaxUsesTheRateInForceOnTheFactsDay: a payment for a trip in US-AZ is taxed at the
// rate of its day: a rate change later does not rewrite the earlier month, the later month
// gets the new rate, a trip without jurisdiction is listed as UNASSIGNED without tax, and
// the same report comes as CSV.
func TestTaxUsesTheRateInForceOnTheFactsDay(t *testing.T) {
	t.Parallel()
	svc := start(t)
	ctx := context.Background()
	early := monthStart(time.Now()).AddDate(0, -6, 9)
	late := monthStart(time.Now()).AddDate(0, -3, 9)
	change := monthStart(time.Now()).AddDate(0, -4, 0)
	if _, err := svc.DB.Exec(ctx, `INSERT INTO analytics.tax_rates VALUES ('US-AZ', $1, 0.1, 'test')`, change); err != nil {
		t.Fatal(err)
	}
	var rows []row
	for i, c := range []struct {
		at   time.Time
		trip string
	}{{early, "TRP-GRANDCANYON-RAFT-7D"}, {late, "TRP-GRANDCANYON-RAFT-7D"}, {late, "TRP-NOWHERE"}} {
		res := id(fmt.Sprint("tax-res-", i))
		booked := count(bookingMetrics, c.at, "reservations")
		booked.trip, booked.reservation = c.trip, res
		paid := fact{table: revenueMetrics, at: c.at, metric: metricCaptured, reservation: res, currency: "USD", value: "110.00"}
		rows = append(rows, rowsOf(id(fmt.Sprint("tax-booked-", i)), []fact{booked})...)
		rows = append(rows, rowsOf(id(fmt.Sprint("tax-paid-", i)), []fact{paid})...)
	}
	writeRows(t, svc, rows)

	q := "/v1/revenue?group=jurisdiction&bucket=month&from=" + early.Format(time.DateOnly) + "&to=" + late.Format(time.DateOnly)
	var report struct{ Rows []taxLine }
	r := svc.Call(CallerFinanceOps, "GET", q, nil)
	r.JSON(t, &report)
	want := []taxLine{
		{Bucket: monthStart(early).Format(time.DateOnly), Jurisdiction: "US-AZ", Currency: "USD", Gross: "110.00", Tax: "5.83", Net: "104.17"},
		{Bucket: monthStart(late).Format(time.DateOnly), Jurisdiction: "UNASSIGNED", Currency: "USD", Gross: "110.00", Tax: "0.00", Net: "110.00"},
		{Bucket: monthStart(late).Format(time.DateOnly), Jurisdiction: "US-AZ", Currency: "USD", Gross: "110.00", Tax: "10.00", Net: "100.00"},
	}
	if r.Status != http.StatusOK || fmt.Sprint(report.Rows) != fmt.Sprint(want) {
		t.Fatalf("tax report = %d %s\nwant rows %+v", r.Status, r.Body, want)
	}
	r = svc.Call(CallerFinanceOps, "GET", q+"&format=csv", nil)
	if r.Status != http.StatusOK || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/csv") ||
		!strings.HasPrefix(string(r.Body), "bucket,jurisdiction,currency,gross,tax,net\n") ||
		!strings.Contains(string(r.Body), want[2].Bucket+",US-AZ,USD,110.00,10.00,100.00\n") {
		t.Errorf("CSV = %d %s %q", r.Status, r.Header.Get("Content-Type"), r.Body)
	}
}

// TestForecastOfTwoYearsFitsBothSeasons: two years (730 days, all that the default
// retention of 25 months is sure to keep on any day) of a metric with a weekly and a yearly
// season (and a trend) get both seasons fitted, and the next 60 days' forecast is the
// noiseless continuation within 3 % (MAPE); the weekly season alone could not follow the
// year's turn.
func TestForecastOfTwoYearsFitsBothSeasons(t *testing.T) {
	t.Parallel()
	svc := start(t)
	const days = 730
	yesterday := time.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, -1)
	signal := func(d int) float64 { // d: days since the first day
		return 200 + 0.02*float64(d) + []float64{10, 4, 0, -2, -3, -5, -4}[d%7] + 60*math.Sin(2*math.Pi*float64(d)/365.25)
	}
	var rows []row
	for d := range days {
		f := fact{table: bookingMetrics, at: yesterday.AddDate(0, 0, d-days+1).Add(9 * time.Hour), metric: "guests_booked",
			value: strconv.FormatFloat(math.Round(signal(d)), 'f', 0, 64)}
		rows = append(rows, rowsOf(id(fmt.Sprintf("two-years/%d", d)), []fact{f})...)
	}
	writeRows(t, svc, rows)

	var v forecastView
	r := svc.Call(CallerAnalysts, "GET", "/v1/forecasts?fact=booking_metrics&metric=guests_booked&horizon=60", nil)
	r.JSON(t, &v)
	if r.Status != http.StatusOK || len(v.Points) != 60 || v.History.Points != days {
		t.Fatalf("forecast = %d %s", r.Status, r.Body)
	}
	if len(v.Seasons) != 2 || !v.Seasons[0].Fitted || !v.Seasons[1].Fitted || v.Seasons[1].Harmonics < 1 ||
		!strings.Contains(v.Model.Method, "Fourier yearly season") {
		t.Fatalf("seasons = %+v, method %q: want the weekly and the yearly fitted", v.Seasons, v.Model.Method)
	}
	errSum := 0.0
	for i, p := range v.Points {
		truth := signal(days + i)
		errSum += math.Abs(p.Mean-truth) / truth
	}
	if mape := 100 * errSum / float64(len(v.Points)); mape > 3 {
		t.Errorf("60-day forecast MAPE against the noiseless series %.2f %%, want ≤ 3 %%", mape)
	}
	if v.Backtest.Method != "holdout" || v.Backtest.MAPE == nil {
		t.Errorf("backtest = %+v, want a holdout", v.Backtest)
	}
}
