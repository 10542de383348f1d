package main

import (
	"strings"

	"github.com/spf13/cobra"

	"github.com/novatrek/support/internal/platform/config"
	"github.com/novatrek/support/internal/platform/service"
)

func newRunCmd() *cobra.Command {
	cfg := config.FromEnv()
	var noMigrate bool
	cmd := &cobra.Command{
		Use: "run <service>",
		Example: `  # svc-payments against a real cluster, registry and database
  KAFKA_BROKERS=kafka-1:9092,kafka-2:9092 SCHEMA_REGISTRY_URL=http://registry:8081 \
    DATABASE_URL=postgres://payments@db/novatrek novatrek run svc-payments
  # the same with flags, serving its API and /metrics on another port
  novatrek run svc-notifications --http-addr :9090`,
		Short: "Run one service against the brokers, registry and stores named by the environment",
		Long: `run is production mode: one service per process, connected to KAFKA_BROKERS,
SCHEMA_REGISTRY_URL, DATABASE_URL and VALKEY_URL (flags override them). Its schema is
migrated first unless --no-migrate; /metrics, /healthz, /readyz and its API are served on
HTTP_ADDR. SIGINT/SIGTERM stop it cleanly.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			log := cliLogger(cmd.ErrOrStderr())
			if _, err := service.Lookup(services(), args[0]); err != nil {
				return err
			}
			// Third-party providers whose URL is unset get the local fakes, with a warning
			// each (a service's *_REQUIRE_PROVIDERS=true refuses that instead). The service
			// is built after, so that it reads their URLs.
			stopFakes, err := provideFakes(cmd.Context(), log, runBaseURL(cfg.HTTPAddr), args[0])
			if err != nil {
				return err
			}
			defer stopFakes()
			svc, err := service.Lookup(services(), args[0])
			if err != nil {
				return err
			}
			return service.Run(cmd.Context(), svc, service.RunConfig{
				Config:         cfg,
				Logger:         log,
				SkipMigrations: noMigrate,
			})
		},
	}
	cfg.Flags(cmd.Flags())
	cmd.Flags().BoolVar(&noMigrate, "no-migrate", false, "do not apply the service's migrations at start")
	return cmd
}

// runBaseURL is where `run` serves the service's API: http://HTTP_ADDR, or "" when the port
// is not known before it listens (the fakes then call back on the service's own listener).
func runBaseURL(addr string) func(string) string {
	dev := devBaseURL(addr)
	return func(name string) string { return strings.TrimSuffix(dev(name), "/"+name) }
}
