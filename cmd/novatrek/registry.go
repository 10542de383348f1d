package main

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/novatrek/support/internal/platform/compat"
	"github.com/novatrek/support/internal/platform/config"
	"github.com/novatrek/support/internal/platform/registry"
	"github.com/novatrek/support/internal/platform/service"
)

// DefaultRegistryListen is the schema registry's usual port, the one SCHEMA_REGISTRY_URL
// defaults to.
const DefaultRegistryListen = "127.0.0.1:8081"

func newRegistryCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:     "registry",
		Short:   "Run the schema registry on its own, for a Kafka cluster that has none",
		Example: `  novatrek registry serve --listen 127.0.0.1:18081 --dir /tmp/nt-registry`,
	}
	cmd.AddCommand(newRegistryServeCmd())
	return cmd
}

func newRegistryServeCmd() *cobra.Command {
	var (
		listen, dir, compatibility string
	)
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the schema registry (Confluent REST API) persisted in a directory",
		Long: `serve runs the schema registry that 'novatrek dev' embeds, on its own: the Confluent
REST API (subjects, versions, ids, compatibility per subject) on --listen, its state in
--dir/registry.json, so schema ids survive restarts and records already in Kafka keep
decoding. It is for teams that have Kafka (a real cluster, 'make kafka-up') but no schema
registry; the services, the CLI and other teams' clients reach it at SCHEMA_REGISTRY_URL.

New subjects get --compatibility (default BACKWARD_TRANSITIVE); 'novatrek schemas
register' registers every schema version of topics.yaml with each topic's own mode.
--dir defaults to the registry directory of the dev stack's data dir (NOVATREK_DATA_DIR),
so 'novatrek dev' and this command on the same data dir hand out the same ids.
Ctrl-C stops it.`,
		Example: `  # beside a real broker: the registry, then every schema of topics.yaml
  novatrek registry serve --listen 127.0.0.1:18081 --dir /tmp/nt-registry &
  novatrek schemas register --registry http://127.0.0.1:18081`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if dir == "" {
				return errors.New("--dir is empty: the registry needs a directory to keep its schema ids in")
			}
			mode, err := compat.ParseMode(compatibility)
			if err != nil {
				return fmt.Errorf("--compatibility: %w", err)
			}
			ctx := cmd.Context()
			log := cliLogger(cmd.ErrOrStderr())
			reg, err := registry.New(registry.Config{Dir: dir, DefaultCompatibility: mode, Logger: log.With("component", "registry")})
			if err != nil {
				return fmt.Errorf("registry: open %s: %w", dir, err)
			}
			srv, err := service.ListenHTTP(listen, reg.Handler())
			if err != nil {
				return fmt.Errorf("registry: %w", err)
			}
			log.InfoContext(ctx, "schema registry serving", "url", "http://"+srv.Addr(), "dir", dir, "default_compatibility", mode)
			<-ctx.Done()
			sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			defer cancel()
			if err := srv.Shutdown(sctx); err != nil {
				return fmt.Errorf("registry: stop HTTP server: %w", err)
			}
			return nil // stopped as asked
		},
	}
	cmd.Flags().StringVar(&listen, "listen", DefaultRegistryListen, "address to serve the registry's REST API on")
	cmd.Flags().StringVar(&dir, "dir", filepath.Join(config.FromEnv().DataDir, "registry"), "directory of the registry's state (registry.json)")
	cmd.Flags().StringVar(&compatibility, "compatibility", string(compat.BackwardTransitive), "compatibility of subjects that set none")
	return cmd
}
