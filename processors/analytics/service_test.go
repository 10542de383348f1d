package analytics

import (
	"context"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/novatrek/support/internal/platform/stream"
	"github.com/novatrek/support/internal/testkit/servicetest"
	"github.com/novatrek/support/schemas"
)

// start runs svc-analytics for one test, every API response checked against openapi.json.
func start(t *testing.T, opts ...servicetest.Option) *servicetest.Service[*app] {
	t.Helper()
	return servicetest.Start(t, Spec, append([]servicetest.Option{servicetest.WithOpenAPICheck()}, opts...)...)
}

// publish publishes event n of kind k at at and returns its event id.
func publish(svc *servicetest.Service[*app], k, n int, at time.Time) string {
	topic, key, ev := sample(k, n, at)
	svc.Publish(topic, key, ev)
	return ev.EventMeta().EventID
}

// TestEveryTopicBecomesFacts: one event of each of the 28 subscribed topics lands in the
// fact table its mapping names, at its event time, with the rows the README lists.
func TestEveryTopicBecomesFacts(t *testing.T) {
	t.Parallel()
	svc := start(t)
	at := time.Now().UTC().Add(-time.Hour).Truncate(time.Millisecond)
	var ids []string
	for k := range kinds {
		ids = append(ids, publish(svc, k, 1, at))
	}
	for _, id := range ids {
		svc.AwaitApplied(id)
	}
	want := map[string]int{"booking_metrics": 6, "revenue_metrics": 4, "utilization_metrics": 7,
		"satisfaction_scores": 7, "safety_metrics": 7, "guide_performance": 4}
	for tbl, n := range want {
		var got int
		var minAt, maxAt time.Time
		if err := svc.DB.QueryRow(context.Background(), `SELECT count(*), min(occurred_at), max(occurred_at) FROM analytics.`+tbl).
			Scan(&got, &minAt, &maxAt); err != nil {
			t.Fatal(err)
		}
		if got != n {
			t.Errorf("%s has %d facts, want %d", tbl, got, n)
		}
		if !minAt.Equal(at) || !maxAt.Equal(at) {
			t.Errorf("%s facts at %s..%s, want the events' time %s", tbl, minAt, maxAt, at)
		}
	}
	// Event 1 is in EUR (currencies[1]): captured 101.50, refunded, and lost in a dispute.
	var net string
	if err := svc.DB.QueryRow(context.Background(), `SELECT sum(value)::text FROM analytics.revenue_metrics
		WHERE currency = 'EUR' AND metric = ANY($1)`, netRevenueMetrics).Scan(&net); err != nil {
		t.Fatal(err)
	}
	if net != "-101.50" {
		t.Errorf("net EUR revenue = %s, want -101.50 (captured 101.50, refunded 101.50, dispute lost 101.50)", net)
	}
}

// TestPoisonInAnyTopicIsDeadLetteredAndOthersFlow: events no mapping accepts, on five
// different topics, go to the dead-letter topic with their reason, and the valid events
// behind them on the same partitions are applied.
func TestPoisonInAnyTopicIsDeadLetteredAndOthersFlow(t *testing.T) {
	t.Parallel()
	svc := start(t)
	now := time.Now().UTC()
	poison := []struct {
		kind   int
		spoil  func(schemas.Event)
		reason string
	}{
		{16, func(e schemas.Event) { e.(*schemas.ReviewPublished).Rating = 9 }, "rating 9 is not 1..5"},
		{9, func(e schemas.Event) { e.(*schemas.AnalyticsMetricLogged).Value = math.Inf(1) }, "not a finite number"},
		{19, func(e schemas.Event) { e.(*schemas.LocationCapacityThresholdCrossed).Capacity = 0 }, "capacity 0 is not positive"},
		{5, func(e schemas.Event) { e.(*schemas.PaymentProcessed).Amount.Currency = "usd" }, "unsupported currency"},
		{6, func(e schemas.Event) { e.(*schemas.IncidentReported).IncidentAt = now.AddDate(-3, 0, 0) }, "older than the 25 months kept"},
	}
	var good []string
	for _, p := range poison {
		topic, key, bad := sample(p.kind, 100, now)
		p.spoil(bad)
		svc.Publish(topic, key, bad)
		_, _, ok := sample(p.kind, 101, now)
		svc.Publish(topic, key, ok) // the same key: the same partition, behind the poison
		good = append(good, ok.EventMeta().EventID)
	}
	for _, id := range good {
		svc.AwaitApplied(id)
	}
	dead := svc.DeadLetters()
	if len(dead) != len(poison) {
		t.Fatalf("%d dead letters, want %d", len(dead), len(poison))
	}
	for _, p := range poison {
		found := false
		for _, d := range dead {
			for _, h := range d.Headers {
				if h.Key == stream.HeaderError && strings.Contains(string(h.Value), p.reason) {
					found = true
				}
			}
		}
		if !found {
			t.Errorf("no dead letter says %q", p.reason)
		}
	}
}

// TestLateEventLandsInItsOwnMonth: an event 40 days late is stored in the partition of
// the month it happened in, not the current one.
func TestLateEventLandsInItsOwnMonth(t *testing.T) {
	t.Parallel()
	svc := start(t)
	late := time.Now().UTC().AddDate(0, 0, -40)
	svc.AwaitApplied(publish(svc, 6, 1, late))
	var part string
	if err := svc.DB.QueryRow(context.Background(), `SELECT tableoid::regclass::text FROM analytics.safety_metrics`).Scan(&part); err != nil {
		t.Fatal(err)
	}
	if want := "analytics.safety_metrics_" + late.Format("200601"); part != want {
		t.Errorf("the late incident is in %s, want %s", part, want)
	}
}

// TestGarbageOnEveryTopicIsDeadLetteredAndOthersFlow: bytes that are not an event, on each
// of the 28 topics, are dead-lettered (kind malformed, naming the topic) and the valid
// event behind each on the same partition is applied.
func TestGarbageOnEveryTopicIsDeadLetteredAndOthersFlow(t *testing.T) {
	t.Parallel()
	svc := start(t)
	now := time.Now().UTC()
	var good []string
	for k := range kinds {
		topic, key, ev := sample(k, 200, now)
		svc.PublishRecord(&kgo.Record{Topic: topic, Key: []byte(key), Value: []byte("not an event")})
		svc.Publish(topic, key, ev)
		good = append(good, ev.EventMeta().EventID)
	}
	for _, id := range good {
		svc.AwaitApplied(id)
	}
	topics := map[string]bool{}
	for _, d := range svc.DeadLetters() {
		for _, h := range d.Headers {
			if h.Key == stream.HeaderSourceTopic {
				topics[string(h.Value)] = true
			}
			if h.Key == stream.HeaderErrorKind && string(h.Value) != string(stream.KindMalformed) {
				t.Errorf("dead letter of kind %s, want malformed", h.Value)
			}
		}
	}
	for _, s := range subscriptions {
		if !topics[s.Topic()] {
			t.Errorf("no dead letter from %s", s.Topic())
		}
	}
}
