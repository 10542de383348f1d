package console_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/novatrek/support/internal/ops/deadletter/deadlettertest"
)

// analyticsCharts are the Analytics page's charts by their section id.
var analyticsCharts = []string{"bookings", "revenue", "utilization", "satisfaction", "safety", "forecast"}

// TestBrowserAnalytics drives headless Chromium through the Analytics page over a real
// svc-analytics: with one day of history the forecast's 422 is its reason in the chart's
// place; after three weeks of events every chart paints (bookings, revenue per currency,
// utilization, satisfaction, safety, the forecast with its interval bands). Then every
// page of the console (everyPage): each is reachable by keyboard and fits a phone. No page
// logs an error.
func TestBrowserAnalytics(t *testing.T) {
	t.Parallel()
	b := newBrowser(t)
	r := newAnalyticsRig(t, 3)
	base := r.srv.URL

	b.run(t, "analytics, one day of history", chromedp.Navigate(base+"/analytics"),
		chromedp.WaitVisible(chromedp.CSS(`#bookings canvas`)), chromedp.WaitVisible(chromedp.CSS(`#forecast .note`)))
	if note := b.text(t, `#forecast .note`); !strings.Contains(note, "Not enough history to forecast") {
		t.Errorf("the forecast on one day: %q, want the API's reason", note)
	}
	b.shot(t, "analytics-forecast-too-short")

	history(r.svc)
	b.run(t, "analytics, three weeks", chromedp.Navigate(base+"/analytics"), chromedp.WaitVisible(chromedp.CSS(`#forecast canvas`)))
	for _, id := range analyticsCharts {
		b.waitFor(t, "the "+id+" chart painted", inkJS("#"+id+" canvas")+" > 0")
	}
	b.shot(t, "analytics")

	b.run(t, "analytics on a phone", chromedp.EmulateViewport(390, 844), chromedp.Navigate(base+"/analytics"),
		chromedp.WaitVisible(chromedp.CSS(`#forecast canvas`)))
	if value(t, b, "phone width", chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth + 1`)) {
		t.Errorf("the analytics page is wider than a phone's viewport")
	}
	b.shot(t, "analytics-phone")

	ev := r.h.S.Valid(1)
	r.h.Produce(&kgo.Record{Key: []byte(ev.Key), Value: r.h.Encode(ev)})
	r.h.WaitApplied(ev.EventID)
	deadlettertest.Poison(t, r.h, 2)
	r.observe()
	everyPage(t, b, r)

	b.noErrors(t)
}
