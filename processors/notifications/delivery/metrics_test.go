package delivery

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// metricValue finds the sample of family name whose labels include want.
func metricValue(t *testing.T, reg *prometheus.Registry, name string, want map[string]string) (*dto.Metric, bool) {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
	next:
		for _, m := range f.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			for k, v := range want {
				if labels[k] != v {
					continue next
				}
			}
			return m, true
		}
	}
	return nil, false
}

func TestMetricsCountDeliveries(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	reg := prometheus.NewRegistry()
	cfg := r.cfg
	cfg.Registerer = reg
	r.insert(3, "routine")
	r.run(cfg)
	r.allSent(3)

	sent, ok := metricValue(t, reg, "novatrek_notifications_deliveries_total",
		map[string]string{"channel": "email", "provider": "sendgrid", "outcome": "sent"})
	if !ok || sent.GetCounter().GetValue() < 1 {
		t.Fatalf("sent counter of email/sendgrid = %v, want ≥ 1", sent)
	}
	if m, ok := metricValue(t, reg, "novatrek_notifications_breaker_open", map[string]string{"provider": "sendgrid"}); !ok ||
		m.GetGauge().GetValue() != 0 {
		t.Fatalf("breaker gauge of sendgrid = %v, want present and 0 (closed)", m)
	}
	if h, ok := metricValue(t, reg, "novatrek_notifications_provider_seconds", map[string]string{"provider": "sendgrid"}); !ok ||
		h.GetHistogram().GetSampleCount() < 3 {
		t.Fatalf("provider histogram of sendgrid = %v, want ≥ 3 observations", h)
	}
	if _, ok := metricValue(t, reg, "novatrek_notifications_due_rows", map[string]string{"lane": "routine"}); !ok {
		t.Fatal("no due rows gauge for the routine lane")
	}
}

func TestMetricsSurviveARestartOnTheSameRegistry(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	cfg := r.cfg
	reg := prometheus.NewRegistry()
	// Wrapped as the service runner wraps it (a "service" label per service).
	cfg.Registerer = prometheus.WrapRegistererWith(prometheus.Labels{"service": "svc-notifications"}, reg)
	first, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	second, err := New(cfg)
	if err != nil {
		t.Fatalf("second New on the same registry: %v", err)
	}
	if first.metrics.deliveries != second.metrics.deliveries {
		t.Fatal("the restarted Delivery counts on a detached collector")
	}
}
