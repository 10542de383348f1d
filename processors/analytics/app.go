package analytics

import (
	"context"
	"io"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/novatrek/support/internal/platform/service"
)

// app is the running service: the subscriptions write through it, the API reads through
// it, the maintenance worker keeps its partitions.
type app struct {
	db *pgxpool.Pool
	// facts holds the fact tables and rollups (factStore); db keeps the rest.
	facts     factStore
	cfg       Config
	log       *slog.Logger
	now       func() time.Time
	kafkaOpts []kgo.Opt
	// payments reaches svc-payments for reconciliation; nil without ANALYTICS_PAYMENTS_URL.
	payments *reconciler
	// rebuilding is the progress of an unfinished rebuild, nil when there is none.
	rebuilding atomic.Pointer[progress]
}

// newApp reads and checks the configuration; a bad value stops the start with one line.
func newApp(ctx context.Context, env service.Env) (*app, error) {
	var cfg Config
	if err := env.Load(&cfg); err != nil {
		return nil, err
	}
	a := &app{db: env.DB, facts: &pgFacts{db: env.DB}, cfg: cfg, log: env.Logger, now: env.Now, kafkaOpts: env.KafkaOpts}
	switch {
	case cfg.Store == storeOracle:
		ora, err := openOracle(ctx, cfg.oracle)
		if err != nil {
			return nil, err
		}
		a.facts = ora
		if err := a.emptyOracleForRebuild(ctx, ora); err != nil {
			_ = ora.Close()
			return nil, err
		}
		a.log.Info("facts and rollups are in Oracle (ANALYTICS_STORE=oracle); inbox, offsets and finance tables in PostgreSQL")
	case cfg.OracleDSN != "":
		a.log.Info("ORACLE_DSN is set but not used: ANALYTICS_STORE=postgres keeps the facts in PostgreSQL")
	}
	if c := env.Outbound("payments"); c != nil {
		a.payments = &reconciler{client: c}
	}
	return a, nil
}

// Close closes the fact store's own connections when it has any (the Oracle pool); the
// runner calls it after the service's loops stopped. PostgreSQL's pool is the runner's.
func (a *app) Close() error {
	if c, ok := a.facts.(io.Closer); ok {
		return c.Close()
	}
	return nil
}
