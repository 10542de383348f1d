package devstack

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/novatrek/support/internal/dev/fakes"
)

// startSimulated starts a stack on cfg as novatrek dev does: the fakes its services' unset
// clients need first (fakes.Provide, reading getenv; stackURL is where the stand-ins run,
// nil when no service calls them), then the stack. Both stop when the test ends.
func startSimulated(t *testing.T, cfg Config, getenv, stackURL func(string) string) *Stack {
	t.Helper()
	set, err := fakes.Provide(t.Context(), cfg.Services, getenv, stackURL, fakes.Options{DataDir: t.TempDir(), StackURL: stackURL},
		slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = set.Stop(context.Background()) })
	cfg.Getenv = set.Getenv(getenv)
	s, err := Start(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stop, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := s.Close(stop); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return s
}

// callResults counts the simulator's API calls so far by "<caller> <result>" (ok, error,
// expected, skipped), from its metric.
func callResults(t *testing.T, s *Stack) map[string]float64 {
	t.Helper()
	results := map[string]float64{}
	mfs, err := s.metrics.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != "novatrek_simulator_api_calls_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			results[label(m, "caller")+" "+label(m, "result")] += m.GetCounter().GetValue()
		}
	}
	return results
}
