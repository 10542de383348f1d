package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sr"

	"github.com/novatrek/support/internal/ops/console"
	"github.com/novatrek/support/internal/ops/lag"
	"github.com/novatrek/support/internal/platform/apiauth"
	"github.com/novatrek/support/internal/platform/config"
	"github.com/novatrek/support/internal/platform/service"
	"github.com/novatrek/support/internal/platform/topology"
	"github.com/novatrek/support/publish"
)

// DefaultConsoleListen is where `novatrek console` serves unless --listen says otherwise:
// loopback, since the console can re-drive records.
const DefaultConsoleListen = "127.0.0.1:8088"

// consoleTokenEnv holds the operator token, so it stays out of `ps` and shell history.
const consoleTokenEnv = "NOVATREK_CONSOLE_TOKEN"

// analyticsTokenEnv holds the bearer token the console reads svc-analytics' API with, as
// the caller analytics-bi; unset, the service's dev-mode token.
const analyticsTokenEnv = "NOVATREK_ANALYTICS_TOKEN"

func newConsoleCmd() *cobra.Command {
	cfg := config.FromEnv()
	var listen, token, analyticsURL string
	var allowPublish bool
	var interval time.Duration
	cmd := &cobra.Command{
		Use:   "console",
		Short: "Serve the web console: services' lag, topics with decoded records, groups, dead letters, schemas",
		Long: `console serves the web console for the cluster at KAFKA_BROKERS (--brokers) and the registry
at SCHEMA_REGISTRY_URL (--registry) on http://--listen/. It observes every consumer group
every --interval with the collector behind 'novatrek lag-exporter', and shows: an overview
of every service (state, status, lag in records and seconds, events/s, dead letters,
sparklines of the last hour; live), the outbox backlog; topics.yaml beside the cluster and
a record browser by partition, offset, time or key with values decoded through the
registry; each group's members, per-partition lag and a reset dry run that an operator can
carry out once the group's members are stopped; dead letters by group with filters, each
one decoded, and re-drives with a dry run and an audit trail;
every subject with its versions, diffs and a compatibility check; with --analytics-url,
svc-analytics' dashboards as charts (read as the caller analytics-bi with the token in
NOVATREK_ANALYTICS_TOKEN, default its dev-mode token). With --allow-publish an
operator can publish a test event from a form generated from the topic's schema.

Reading needs nothing. Re-driving, resetting and publishing need the operator token (--token, or better the
environment variable NOVATREK_CONSOLE_TOKEN): an operator signs in with it and a name that
the audit trail records. Without a token the console is read-only. Re-drives and the outbox
backlog need DATABASE_URL (--database-url): without it given explicitly they are off and
the pages say so. 'novatrek dev' serves the same console at /console/.`,
		Example: `  # read-only, against the dev stack's default ports
  novatrek console --brokers 127.0.0.1:9092 --registry http://127.0.0.1:8081

  # with the Analytics page, over the dev stack's svc-analytics (its dev-mode token)
  novatrek console --analytics-url http://127.0.0.1:8080/svc-analytics

  # with re-drives, recorded in the database
  NOVATREK_CONSOLE_TOKEN=$(cat ~/.novatrek-token) novatrek console --database-url postgres://ops@db:5432/novatrek`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := cfg.Validate(); err != nil {
				return err
			}
			if token == "" {
				token = os.Getenv(consoleTokenEnv)
			}
			if interval <= 0 {
				return fmt.Errorf("--interval %s must be positive", interval)
			}
			ctx := cmd.Context()
			log := cliLogger(cmd.ErrOrStderr())
			consumes, err := ourConsumes()
			if err != nil {
				return err
			}
			topo, err := topology.Default()
			if err != nil {
				return err
			}
			opts := append(cfg.KafkaOpts(), kgo.ClientID("novatrek-console"))
			cl, err := kgo.NewClient(opts...)
			if err != nil {
				return fmt.Errorf("connecting to Kafka at %v: %w", cfg.KafkaBrokers, err)
			}
			defer cl.Close()
			obs, err := lag.New(lag.Config{Client: cl, Consumes: consumes, Logger: log})
			if err != nil {
				return err
			}
			exp, err := lag.NewExporter(lag.ExporterConfig{Observer: obs, Interval: interval, Logger: log})
			if err != nil {
				return err
			}
			reg, err := sr.NewClient(sr.URLs(cfg.SchemaRegistryURL))
			if err != nil {
				return fmt.Errorf("schema registry client for %s: %w", cfg.SchemaRegistryURL, err)
			}
			ccfg := console.Config{KafkaOpts: opts, Registry: reg, Lag: exp, Topology: topo, Services: services(), Token: token, Logger: log}
			if explicitSetting(cmd, "database-url", "DATABASE_URL") {
				pool, err := service.ConnectPostgres(ctx, cfg.DatabaseURL)
				if err != nil {
					return err
				}
				defer pool.Close()
				ccfg.Pool = pool
			}
			if allowPublish {
				if ccfg.Publisher, err = publish.New(cl, cfg.SchemaRegistryURL, publish.Producer("novatrek-console")); err != nil {
					return err
				}
			}
			if analyticsURL != "" {
				tok := os.Getenv(analyticsTokenEnv)
				if tok == "" {
					tok = apiauth.DevToken(console.AnalyticsCaller)
				}
				ccfg.Analytics = &console.AnalyticsAPI{URL: analyticsURL, Token: tok}
			}
			con, err := console.New(ccfg)
			if err != nil {
				return err
			}
			srv, err := service.ListenHTTP(listen, con)
			if err != nil {
				return fmt.Errorf("console: %w", err)
			}
			access := "read-only (no operator token)"
			if token != "" {
				access = "re-drives need the operator token"
			}
			fmt.Fprintf(cmd.OutOrStdout(), "NovaTrek console on http://%s/ (%s)\n", srv.Addr(), access)
			go con.Run(ctx, interval)
			runErr := exp.Run(ctx)
			sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			defer cancel()
			if err := srv.Shutdown(sctx); err != nil {
				return fmt.Errorf("console: stop HTTP server: %w", err)
			}
			return runErr
		},
	}
	cfg.Flags(cmd.Flags())
	cmd.Flags().StringVar(&listen, "listen", DefaultConsoleListen, "address to serve the console on")
	cmd.Flags().StringVar(&token, "token", "", "operator token that re-drives need (default env "+consoleTokenEnv+"; none: read-only)")
	cmd.Flags().StringVar(&analyticsURL, "analytics-url", "", "base URL of svc-analytics' API for the Analytics page, e.g. http://127.0.0.1:8080/svc-analytics (token in env "+analyticsTokenEnv+")")
	cmd.Flags().BoolVar(&allowPublish, "allow-publish", false, "let operators publish test events from a form (on in the dev stack; on a real cluster they are real events)")
	cmd.Flags().DurationVar(&interval, "interval", 5*time.Second, "time between observations of the consumer groups")
	return cmd
}
