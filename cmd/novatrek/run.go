package main

import (
	"github.com/spf13/cobra"

	"github.com/novatrek/support/internal/dev/fakes"
	"github.com/novatrek/support/internal/platform/config"
	"github.com/novatrek/support/internal/platform/runner"
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
  novatrek run svc-notifications --http-addr :9090
  # a second instance of svc-payments beside make run: same group, same store
  novatrek run svc-payments --http-addr 127.0.0.1:9091`,
		Short: "Run one service against the brokers, registry and stores named by the environment",
		Long: `run is production mode: one service per process, connected to KAFKA_BROKERS,
SCHEMA_REGISTRY_URL, DATABASE_URL and VALKEY_URL (flags override them). Its schema is
migrated first unless --no-migrate; /metrics, /healthz, /readyz and its API are served on
HTTP_ADDR. SIGINT/SIGTERM stop it cleanly.

Beside novatrek dev (DATABASE_URL unset, the data dir's stack.json naming the stack's
database), run joins that stack: its database, its Valkey key prefix and, through the same
KAFKA_BROKERS, its consumer groups. Started several times (each on its own --http-addr), a
service is several instances of one group: the partitions are shared, and one instance per
store leads the outbox relay (a PostgreSQL advisory lock; a standby takes over when the
leader dies).`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if _, err := service.LookupDefinition(services(), args[0]); err != nil {
				return err
			}
			log := cliLogger(cmd.ErrOrStderr())
			// Clients whose URLs are unset get the fakes (dev only; a RequireEnv forbids it),
			// calling back on this process's HTTP_ADDR.
			stopFakes, err := provideFakes(cmd.Context(), log, func(string) string { return runner.BaseURL(cfg.HTTPAddr) }, fakes.Options{}, args[0])
			if err != nil {
				return err
			}
			defer stopFakes()
			def, err := service.LookupDefinition(services(), args[0])
			if err != nil {
				return err
			}
			prefix, err := devKeyPrefix(cmd, cfg.DataDir)
			if err != nil {
				return err
			}
			return runner.Run(cmd.Context(), def, service.RunConfig{Config: cfg, Logger: log, SkipMigrations: noMigrate, ValkeyKeyPrefix: prefix})
		},
	}
	cfg.Flags(cmd.Flags())
	cmd.Flags().BoolVar(&noMigrate, "no-migrate", false, "do not apply the service's migrations at start")
	return cmd
}

// devKeyPrefix is the Valkey key prefix of the dev stack whose database run uses: when
// DATABASE_URL is left unset and the data dir names a stack (config.DevState), run is one
// more instance beside that stack and writes its keys where the stack's services do.
// Otherwise "" (production: key names as they are).
func devKeyPrefix(cmd *cobra.Command, dataDir string) (string, error) {
	if explicitSetting(cmd, "database-url", "DATABASE_URL") {
		return "", nil
	}
	st, ok, err := config.ReadDevState(dataDir)
	if err != nil || !ok {
		return "", err
	}
	return st.ValkeyPrefix, nil
}
