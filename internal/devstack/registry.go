package devstack

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/twmb/franz-go/pkg/sr"

	"github.com/novatrek/support/internal/compat"
	"github.com/novatrek/support/internal/registry"
	"github.com/novatrek/support/internal/service"
)

// startRegistry serves the schema registry persisted under <DataDir>/registry, so schema
// ids stay the same across restarts and the records already in Kafka keep decoding.
func (s *Stack) startRegistry(ctx context.Context) error {
	dir := filepath.Join(s.cfg.DataDir, "registry")
	reg, err := registry.New(registry.Config{
		Dir:                  dir,
		DefaultCompatibility: compat.BackwardTransitive,
		Logger:               s.log.With("component", "registry"),
	})
	if err != nil {
		return fmt.Errorf("registry: open %s: %w", dir, err)
	}
	srv, err := service.ListenHTTP(s.cfg.RegistryAddr, reg.Handler())
	if err != nil {
		return fmt.Errorf("registry: %w", err)
	}
	s.regSrv = srv
	s.onClose("registry", srv.Shutdown)
	client, err := sr.NewClient(sr.URLs("http://" + srv.Addr()))
	if err != nil {
		return fmt.Errorf("registry: client: %w", err)
	}
	s.registry = client
	s.log.InfoContext(ctx, "registry started", "url", "http://"+srv.Addr(), "data", dir, "default_compatibility", compat.BackwardTransitive)
	return nil
}
