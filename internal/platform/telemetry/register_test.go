package telemetry_test

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/novatrek/support/internal/platform/telemetry"
)

func TestRegisterReturnsTheExistingCollector(t *testing.T) {
	reg := prometheus.NewRegistry()
	opts := prometheus.CounterOpts{Name: "novatrek_test_total", Help: "test"}
	first, err := telemetry.Register(reg, prometheus.NewCounter(opts))
	if err != nil {
		t.Fatal(err)
	}
	first.Inc()
	second, err := telemetry.Register(reg, prometheus.NewCounter(opts))
	if err != nil {
		t.Fatalf("second registration: %v", err)
	}
	if second != first {
		t.Fatal("second registration returned a new collector, so the restart would count on a detached series")
	}
}

func TestRegisterRefusesAConflictingCollector(t *testing.T) {
	reg := prometheus.NewRegistry()
	if _, err := telemetry.Register(reg, prometheus.NewCounter(prometheus.CounterOpts{Name: "novatrek_x", Help: "a"})); err != nil {
		t.Fatal(err)
	}
	if _, err := telemetry.Register(reg, prometheus.NewGauge(prometheus.GaugeOpts{Name: "novatrek_x", Help: "b"})); err == nil {
		t.Fatal("a gauge under a counter's name was accepted")
	}
}
