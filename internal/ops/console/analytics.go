package console

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// The answers of svc-analytics' API the page reads (processors/analytics/openapi.json):
// only the members it charts.
type (
	dashboardAnswer struct {
		Rows []struct {
			Bucket   string `json:"bucket"`
			Key      string `json:"key"`
			Metric   string `json:"metric"`
			Currency string `json:"currency"`
			Total    string `json:"total"`
		} `json:"rows"`
		Utilization []struct {
			Bucket string  `json:"bucket"`
			Key    string  `json:"key"`
			Ratio  float64 `json:"ratio"`
		} `json:"utilization"`
	}
	revenueAnswer struct {
		Rows []struct {
			Bucket   string `json:"bucket"`
			Currency string `json:"currency"`
			Net      string `json:"net"`
		} `json:"rows"`
	}
	satisfactionAnswer struct {
		Metrics []struct {
			Metric  string  `json:"metric"`
			Average float64 `json:"average"`
		} `json:"metrics"`
	}
	forecastAnswer struct {
		History struct {
			Points int `json:"points"`
		} `json:"history"`
		Model struct {
			Method string `json:"method"`
		} `json:"model"`
		Backtest struct {
			MAPE *float64 `json:"mape"`
		} `json:"backtest"`
		Forecast []forecastStep `json:"forecast"`
	}
)

// forecastStep is one forecast bucket as the API writes it.
type forecastStep struct {
	Bucket string  `json:"bucket"`
	Mean   float64 `json:"mean"`
	Lo80   float64 `json:"lo80"`
	Hi80   float64 `json:"hi80"`
	Lo95   float64 `json:"lo95"`
	Hi95   float64 `json:"hi95"`
}

// maxSatisfactionTrips bounds the satisfaction chart: one API call per trip.
const maxSatisfactionTrips = 12

type analyticsData struct {
	From, To, Bucket string
	// Off says why there is no page (no API configured).
	Off string
	// Rebuilding is svc-analytics' own word that it is replaying: the figures are partial.
	Rebuilding string
	Charts     []chart
}

// analytics serves the Analytics page: svc-analytics' dashboards as charts, read from its
// API for the window the form asks (from, to, bucket; the API's defaults: the last 30
// days by day). A bad window is the API's 400, shown naming the field; a chart the API
// cannot draw (a forecast with too little history, 422) shows the API's reason in its
// place.
func (c *Console) analytics(w http.ResponseWriter, r *http.Request) {
	d := analyticsData{From: r.FormValue("from"), To: r.FormValue("to"), Bucket: r.FormValue("bucket")}
	api := c.cfg.Analytics
	if api == nil {
		d.Off = "No svc-analytics API is configured for this console (novatrek console --analytics-url; the dev stack sets it when svc-analytics runs)."
		c.render(w, r, http.StatusOK, "analytics", "Analytics", d)
		return
	}
	q := url.Values{}
	for k, v := range map[string]string{"from": d.From, "to": d.To, "bucket": d.Bucket} {
		if v != "" {
			q.Set(k, v)
		}
	}
	var bookings, trips, safety, util dashboardAnswer
	var revenue revenueAnswer
	var fc forecastAnswer
	with := func(kv ...string) url.Values {
		out := url.Values{}
		for k, v := range q {
			out[k] = v
		}
		for i := 0; i+1 < len(kv); i += 2 {
			out.Set(kv[i], kv[i+1])
		}
		return out
	}
	horizon := "14"
	if d.Bucket == "month" {
		horizon = "6"
	}
	calls := []struct {
		path string
		q    url.Values
		into any
	}{
		{"/v1/booking-trends", q, &bookings},
		{"/v1/booking-trends", with("by", "trip"), &trips},
		{"/v1/revenue", q, &revenue},
		{"/v1/utilization", with("by", "location"), &util},
		{"/v1/safety-metrics", q, &safety},
		{"/v1/forecasts", with("fact", "booking_metrics", "metric", "reservations", "horizon", horizon), &fc},
	}
	errs := make([]error, len(calls))
	var rebuilding string
	var mu sync.Mutex
	var wg sync.WaitGroup
	for i, call := range calls {
		wg.Go(func() {
			rb, err := api.get(r.Context(), call.path, call.q, call.into)
			errs[i] = err
			if rb != "" {
				mu.Lock()
				rebuilding = rb
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	// A bad window is the same 400 from every endpoint: the reader's to fix.
	for _, err := range errs {
		if problemStatus(err) == http.StatusBadRequest {
			c.renderPage(w, r, http.StatusBadRequest, "analytics", "Analytics", err.Error(), d)
			return
		}
	}
	d.Rebuilding = rebuilding
	d.Charts = []chart{
		bookingChart(bookings, errs[0]),
		revenueChart(revenue, errs[2]),
		utilizationChart(util, errs[3]),
		satisfactionChart(r.Context(), api, q, trips, errs[1]),
		safetyChart(safety, errs[4]),
		forecastChart(bookings, fc, errs[0], errs[5], horizon),
	}
	c.render(w, r, http.StatusOK, "analytics", "Analytics", d)
}

// num is a decimal total as a float for a chart (the tables of the API keep the exact
// figures); an unreadable one counts as 0.
func num(s string) float64 {
	f, _ := strconv.ParseFloat(s, 64)
	return f
}

// failed fills ch's Err from err, or from empty when there is nothing to draw.
func failed(ch chart, err error, empty bool, none string) chart {
	switch {
	case err != nil:
		ch.Err = err.Error()
	case empty:
		ch.Err = none
	}
	return ch
}

// timeChart is ch drawing s over days, or saying err, or none when s is empty.
func timeChart(ch chart, ylabel string, s *timeSeries, err error, none string) chart {
	ch.Spec = spec("time", "day", ylabel, s.names, s.columns(), nil, nil)
	return failed(ch, err, s.empty(), none)
}

func bookingChart(a dashboardAnswer, err error) chart {
	ch := chart{ID: "bookings", Title: "Bookings", Caption: "booking_metrics per bucket: reservations, guests booked, status changes, registrations, check-ins"}
	var s timeSeries
	for _, row := range a.Rows {
		if row.Currency == "" { // booked value is money: the revenue chart's
			s.add(row.Metric, row.Bucket, num(row.Total))
		}
	}
	return timeChart(ch, "count", &s, err, "No bookings in this window.")
}

func revenueChart(a revenueAnswer, err error) chart {
	ch := chart{ID: "revenue", Title: "Revenue per currency", Caption: "net revenue (captured less refunds and lost disputes) per bucket, each currency in its own units"}
	var s timeSeries
	for _, row := range a.Rows {
		s.add(row.Currency, row.Bucket, num(row.Net))
	}
	return timeChart(ch, "net", &s, err, "No revenue in this window.")
}

func utilizationChart(a dashboardAnswer, err error) chart {
	ch := chart{ID: "utilization", Title: "Utilization per location", Caption: "sampled occupancy over capacity, in %"}
	var s timeSeries
	for _, u := range a.Utilization {
		s.add(u.Key, u.Bucket, 100*u.Ratio)
	}
	return timeChart(ch, "%", &s, err, "No capacity samples in this window.")
}

func safetyChart(a dashboardAnswer, err error) chart {
	ch := chart{ID: "safety", Title: "Safety", Caption: "safety_metrics per bucket: incidents, emergencies, wildlife and weather alerts"}
	var s timeSeries
	for _, row := range a.Rows {
		s.add(row.Metric, row.Bucket, num(row.Total))
	}
	return timeChart(ch, "count", &s, err, "No safety events in this window.")
}

// satisfactionChart is the average ratings of the window's most booked trips (at most
// maxSatisfactionTrips, one API call each), as bars.
func satisfactionChart(ctx context.Context, api *AnalyticsAPI, q url.Values, trips dashboardAnswer, err error) chart {
	ch := chart{ID: "satisfaction", Title: "Satisfaction per trip", Caption: "average review and guide ratings (1–5) of the most booked trips in the window"}
	if err != nil {
		ch.Err = err.Error()
		return ch
	}
	booked := map[string]float64{}
	var keys []string
	for _, row := range trips.Rows {
		if row.Metric == "reservations" && row.Key != "" {
			if _, seen := booked[row.Key]; !seen {
				keys = append(keys, row.Key)
			}
			booked[row.Key] += num(row.Total)
		}
	}
	slices.SortFunc(keys, func(a, b string) int { // most booked first, ties by name
		return cmp.Or(cmp.Compare(booked[b], booked[a]), strings.Compare(a, b))
	})
	if len(keys) > maxSatisfactionTrips {
		keys = keys[:maxSatisfactionTrips]
	}
	answers := make([]satisfactionAnswer, len(keys))
	errs := make([]error, len(keys))
	var wg sync.WaitGroup
	for i, trip := range keys {
		wg.Go(func() {
			tq := url.Values{"trip_id": {trip}, "from": q["from"], "to": q["to"]}
			if len(q["from"]) == 0 {
				delete(tq, "from")
			}
			if len(q["to"]) == 0 {
				delete(tq, "to")
			}
			_, errs[i] = api.get(ctx, "/v1/satisfaction-scores", tq, &answers[i])
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		ch.Err = err.Error()
		return ch
	}
	var labels, names []string
	values := map[string][]*float64{}
	for i, a := range answers {
		if len(a.Metrics) == 0 {
			continue
		}
		labels = append(labels, keys[i])
		for _, m := range a.Metrics {
			if _, ok := values[m.Metric]; !ok {
				names = append(names, m.Metric)
				values[m.Metric] = make([]*float64, len(labels)-1, len(keys))
			}
		}
		for _, n := range names {
			var v *float64
			for _, m := range a.Metrics {
				if m.Metric == n {
					v = &m.Average
				}
			}
			values[n] = append(values[n], v)
		}
	}
	xs := make([]int, len(labels))
	for i := range xs {
		xs[i] = i
	}
	data := []any{xs}
	for _, n := range names {
		data = append(data, values[n])
	}
	ch.Spec = spec("bars", "trip", "average rating", names, data, labels, nil)
	return failed(ch, nil, len(labels) == 0, "No ratings of the window's booked trips.")
}

// forecastChart is the reservations of the window and their forecast for the next horizon
// buckets, with the 80 % and 95 % intervals shaded. The forecast's 422 (too little
// history) is shown as the API says it.
func forecastChart(bookings dashboardAnswer, a forecastAnswer, histErr, err error, horizon string) chart {
	ch := chart{ID: "forecast", Title: "Reservations forecast", Caption: "the next " + horizon + " buckets of reservations, with 80 % and 95 % intervals"}
	if err != nil {
		ch.Err = err.Error()
		return ch
	}
	if histErr != nil {
		ch.Err = histErr.Error()
		return ch
	}
	ch.Caption = fmt.Sprintf("%s; %s fitted on %d buckets", ch.Caption, a.Model.Method, a.History.Points)
	if a.Backtest.MAPE != nil {
		ch.Caption += fmt.Sprintf(", backtest error (MAPE) %.1f %%", *a.Backtest.MAPE)
	}
	var s timeSeries
	// The bands below count on this order of the series.
	s.declare("reservations", "forecast", "95 % high", "80 % high", "80 % low", "95 % low")
	for _, row := range bookings.Rows {
		if row.Metric == "reservations" {
			s.add("reservations", row.Bucket, num(row.Total))
		}
	}
	for _, p := range a.Forecast {
		s.add("forecast", p.Bucket, p.Mean)
		s.add("95 % high", p.Bucket, p.Hi95)
		s.add("80 % high", p.Bucket, p.Hi80)
		s.add("80 % low", p.Bucket, p.Lo80)
		s.add("95 % low", p.Bucket, p.Lo95)
	}
	ch.Spec = spec("time", "day", "reservations", s.names, s.columns(), nil, [][2]int{{3, 6}, {4, 5}})
	return failed(ch, nil, len(a.Forecast) == 0, "The forecast is empty.")
}
