package devstack

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/twmb/franz-go/pkg/sr"

	"github.com/novatrek/support/internal/platform/compat"
	"github.com/novatrek/support/internal/platform/registry"
	"github.com/novatrek/support/internal/platform/service"
)

// startRegistry serves the schema registry persisted under <DataDir>/registry, so schema
// ids stay the same across restarts and the records already in Kafka keep decoding.
//
// With ExternalRegistryURL it serves none and checks that the external one answers.
func (s *Stack) startRegistry(ctx context.Context) error {
	if s.cfg.ExternalRegistryURL != "" {
		return s.useExternalRegistry(ctx)
	}
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

// useExternalRegistry points the stack's registry client at ExternalRegistryURL and fails
// the start, naming the URL, when it does not answer.
func (s *Stack) useExternalRegistry(ctx context.Context) error {
	client, err := sr.NewClient(sr.URLs(s.cfg.ExternalRegistryURL))
	if err != nil {
		return fmt.Errorf("registry: client of %s: %w", s.cfg.ExternalRegistryURL, err)
	}
	cctx, cancel := context.WithTimeout(ctx, externalTimeout)
	defer cancel()
	subjects, err := client.Subjects(cctx)
	if err != nil {
		return fmt.Errorf("registry: external schema registry %s does not answer: %w", s.cfg.ExternalRegistryURL, err)
	}
	s.registry = client
	s.log.InfoContext(ctx, "registry: using external schema registry", "url", s.cfg.ExternalRegistryURL, "subjects", len(subjects))
	return nil
}
