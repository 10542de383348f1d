package devstack

import (
	"context"
	"fmt"

	"github.com/novatrek/support/internal/platform/httpedge"
	"github.com/novatrek/support/internal/platform/service"
)

// startHTTP serves /metrics, /healthz and /readyz first, so an orchestrator (or a curious
// developer) sees the stack as alive but not ready while it starts.
func (s *Stack) startHTTP(ctx context.Context) error {
	s.opsMux = service.NewOpsMux(s.metrics, s.ready.Load,
		service.ReadyCheck{Name: "kafka", Probe: func(ctx context.Context) error { return s.kcl.Ping(ctx) }},
		service.ReadyCheck{Name: "postgres", Probe: func(ctx context.Context) error { return s.pool.Ping(ctx) }},
		service.ReadyCheck{Name: "valkey", Probe: func(ctx context.Context) error {
			return s.valkey.Do(ctx, s.valkey.B().Ping().Build()).Error()
		}},
	)
	// Unknown paths and wrong methods answer problem+json, like the services' own APIs.
	srv, err := service.ListenHTTP(s.cfg.HTTPAddr, httpedge.Routes(s.opsMux))
	if err != nil {
		return fmt.Errorf("devstack: HTTP server: %w", err)
	}
	s.ops = srv
	s.onClose("http", srv.Shutdown)
	s.log.InfoContext(ctx, "http started", "addr", srv.Addr())
	return nil
}
