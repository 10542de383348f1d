package devstack

import (
	"context"
	"fmt"
	"time"

	"github.com/novatrek/support/internal/ops/lag"
	"github.com/novatrek/support/internal/platform/service"
	"github.com/novatrek/support/internal/platform/topology"
)

// lagInterval is how often the dev stack observes its consumer groups: often enough for the
// live status printed every few seconds.
const lagInterval = 5 * time.Second

// startLagExporter serves the lag exporter (internal/ops/lag) on the stack's /metrics: the
// kafka_consumergroup_* series, lag seconds, group status and dead letters, as
// `novatrek lag-exporter` does. Outbox backlog is left to the services' relays, which export
// it on the same registry.
func (s *Stack) startLagExporter(ctx context.Context) error {
	topo, err := topology.Default()
	if err != nil {
		return err
	}
	obs, err := lag.New(lag.Config{Client: s.kcl, Consumes: lag.ServiceGroups(topo, service.DefinitionNames(s.cfg.Services)), Logger: s.log})
	if err != nil {
		return fmt.Errorf("devstack: lag exporter: %w", err)
	}
	exp, err := lag.NewExporter(lag.ExporterConfig{Observer: obs, Interval: lagInterval, Logger: s.log})
	if err != nil {
		return fmt.Errorf("devstack: lag exporter: %w", err)
	}
	s.lagExp = exp
	if err := s.metrics.Register(exp); err != nil {
		return fmt.Errorf("devstack: lag exporter: register metrics: %w", err)
	}
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = exp.Run(runCtx) // returns nil when cancelled; failures are logged and retried
	}()
	s.onClose("lag exporter", func(context.Context) error {
		cancel()
		<-done
		s.metrics.Unregister(exp)
		return nil
	})
	s.log.InfoContext(ctx, "lag exporter started", "interval", lagInterval)
	return nil
}
