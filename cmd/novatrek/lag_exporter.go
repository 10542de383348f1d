package main

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/spf13/cobra"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/novatrek/support/internal/ops/lag"
	"github.com/novatrek/support/internal/platform/config"
	"github.com/novatrek/support/internal/platform/service"
)

// DefaultLagExporterListen is kafka_exporter's port, so scrape configs carry over.
const DefaultLagExporterListen = ":9308"

func newLagExporterCmd() *cobra.Command {
	var (
		cfg      = config.FromEnv()
		listen   string
		interval time.Duration
		window   time.Duration
		outboxes bool
	)
	cmd := &cobra.Command{
		Use:   "lag-exporter",
		Short: "Serve consumer lag, lag seconds, group status, dead letters and outbox backlog on /metrics",
		Long: `lag-exporter observes every consumer group of the cluster at KAFKA_BROKERS every --interval
and serves the result on http://--listen/metrics for Prometheus, with /healthz and /readyz
(ready after the first observation). Scrapes read the last observation; they never wait on
Kafka.

Series carry danielqsj/kafka_exporter's names and labels, so dashboards built for it work:
kafka_consumergroup_lag, kafka_consumergroup_current_offset, kafka_consumergroup_members,
kafka_consumergroup_lag_sum, kafka_topic_partition_current_offset, ... plus
kafka_consumergroup_lag_seconds (age of the oldest unconsumed record, from record
timestamps), novatrek_consumergroup_status{status} and novatrek_consumergroup_status_code
(Burrow-style, judged over --window; see 'novatrek groups lag --help'), novatrek_consumergroup_inactive
(1 for a group nobody runs: its status is not an alarm),
novatrek_dlq_records and novatrek_dlq_records_produced_total per dead-letter topic.

With --outbox it also reads the outbox table of every schema in DATABASE_URL and exports
novatrek_outbox_backlog_rows and novatrek_outbox_oldest_row_age_seconds{outbox=<schema>},
the names the services' relays export in-process (aggregate the two sources with max).
'novatrek dev' serves the same collector on its own /metrics (without --outbox: its relays
already export those).`,
		Example: `  # Beside a real cluster, where Prometheus scrapes :9308
  KAFKA_BROKERS=kafka-1:9092,kafka-2:9092 novatrek lag-exporter

  # Also the outbox backlog of every service schema
  novatrek lag-exporter --outbox --database-url postgres://monitor@db:5432/novatrek

  # Against the dev stack, judged over 2 minutes
  novatrek lag-exporter --listen 127.0.0.1:9308 --interval 5s --window 2m
  curl -s 127.0.0.1:9308/metrics | grep kafka_consumergroup_lag`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := cfg.Validate(); err != nil {
				return err
			}
			if interval <= 0 || window <= 0 {
				return fmt.Errorf("--interval %s and --window %s must be positive", interval, window)
			}
			ctx := cmd.Context()
			log := cliLogger(cmd.ErrOrStderr())
			consumes, err := ourConsumes()
			if err != nil {
				return err
			}
			cl, err := kgo.NewClient(append(cfg.KafkaOpts(), kgo.ClientID("novatrek-lag-exporter"))...)
			if err != nil {
				return fmt.Errorf("connecting to Kafka at %v: %w", cfg.KafkaBrokers, err)
			}
			defer cl.Close()
			obs, err := lag.New(lag.Config{Client: cl, Consumes: consumes, Window: window, Logger: log})
			if err != nil {
				return err
			}
			ecfg := lag.ExporterConfig{Observer: obs, Interval: interval, Logger: log}
			if outboxes {
				pool, err := service.ConnectPostgres(ctx, cfg.DatabaseURL)
				if err != nil {
					return err
				}
				defer pool.Close()
				ecfg.Outboxes = pool
			}
			exp, err := lag.NewExporter(ecfg)
			if err != nil {
				return err
			}
			reg := service.NewMetricsRegistry()
			if err := reg.Register(exp); err != nil {
				return fmt.Errorf("lag-exporter: register collector: %w", err)
			}
			var stopping atomic.Bool
			ready := func() bool { _, ok := exp.Latest(); return ok && !stopping.Load() } // after the first observation
			srv, err := service.ListenHTTP(listen, service.NewOpsMux(reg, ready))
			if err != nil {
				return fmt.Errorf("lag-exporter: %w", err)
			}
			log.InfoContext(ctx, "lag exporter serving", "addr", srv.Addr(), "brokers", cfg.KafkaBrokers, "interval", interval, "window", window, "outbox", outboxes)
			runErr := exp.Run(ctx)
			stopping.Store(true)
			sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			defer cancel()
			if err := srv.Shutdown(sctx); err != nil {
				return fmt.Errorf("lag-exporter: stop HTTP server: %w", err)
			}
			return runErr
		},
	}
	cfg.Flags(cmd.Flags())
	cmd.Flags().StringVar(&listen, "listen", DefaultLagExporterListen, "address to serve /metrics, /healthz and /readyz on")
	cmd.Flags().DurationVar(&interval, "interval", lag.DefaultInterval, "time between observations of the cluster")
	cmd.Flags().DurationVar(&window, "window", lag.DefaultWindow, "how far back observations count for the status")
	cmd.Flags().BoolVar(&outboxes, "outbox", false, "also export the outbox backlog of every schema in DATABASE_URL")
	return cmd
}
