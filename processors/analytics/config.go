package analytics

import (
	"fmt"
	"time"

	"github.com/godror/godror"
)

// Config is svc-analytics' own settings, read by config.Load from the variables named in
// the tags (an unset one takes the default).
type Config struct {
	// RetentionMonths is how many months of facts are kept, the current one included;
	// older months are dropped as whole partitions. 25 keeps two full years to compare
	// with the running month.
	RetentionMonths int `env:"ANALYTICS_RETENTION_MONTHS" default:"25"`
	// MonthsAhead is how many months past the current one have partitions ready, so the
	// writer rarely creates one in a batch's transaction.
	MonthsAhead int `env:"ANALYTICS_MONTHS_AHEAD" default:"3"`
	// MaxFuture bounds how far ahead of the clock an event may claim to have happened; a
	// later one is a producer's clock or data error and is dead-lettered, not given a
	// partition in a distant year.
	MaxFuture time.Duration `env:"ANALYTICS_MAX_FUTURE" default:"72h"`
	// MaintenanceInterval is how often partitions are created ahead and expired ones dropped.
	MaintenanceInterval time.Duration `env:"ANALYTICS_MAINTENANCE_INTERVAL" default:"1h"`
	// RebuildPoll is how often the progress of a rebuild by replay is measured (one
	// indexed lookup when there is none).
	RebuildPoll time.Duration `env:"ANALYTICS_REBUILD_POLL" default:"2s"`
	// ReconcileInterval is how often yesterday's and today's revenue are reconciled with
	// svc-payments.
	ReconcileInterval time.Duration `env:"ANALYTICS_RECONCILE_INTERVAL" default:"1h"`
	// Store is where the facts and rollups live: "postgres", the service's own schema, or
	// "oracle", the spec's production engine, at OracleDSN (factStore). The inbox, offsets
	// and finance tables are in PostgreSQL either way.
	Store string `env:"ANALYTICS_STORE" default:"postgres"`
	// OracleDSN is godror's connection string of the ANALYTICS schema's database
	// (user/password@host:port/service, or a key=value form); it holds a password, so no
	// message repeats it.
	OracleDSN string                  `env:"ORACLE_DSN"`
	oracle    godror.ConnectionParams // OracleDSN as Validate parsed it, when Store is oracle
}

// Validate checks the ranges and combinations config.Load cannot (config.Load calls it).
func (c *Config) Validate() error {
	switch {
	case c.RetentionMonths < 1:
		return fmt.Errorf("analytics: ANALYTICS_RETENTION_MONTHS %d must be at least 1", c.RetentionMonths)
	case c.MonthsAhead < 0 || c.MonthsAhead > 24:
		return fmt.Errorf("analytics: ANALYTICS_MONTHS_AHEAD %d must be 0..24", c.MonthsAhead)
	case c.MaxFuture < 0:
		return fmt.Errorf("analytics: ANALYTICS_MAX_FUTURE %s must not be negative", c.MaxFuture)
	case c.MaintenanceInterval <= 0:
		return fmt.Errorf("analytics: ANALYTICS_MAINTENANCE_INTERVAL %s must be positive", c.MaintenanceInterval)
	case c.ReconcileInterval <= 0:
		return fmt.Errorf("analytics: ANALYTICS_RECONCILE_INTERVAL %s must be positive", c.ReconcileInterval)
	case c.RebuildPoll <= 0:
		return fmt.Errorf("analytics: ANALYTICS_REBUILD_POLL %s must be positive", c.RebuildPoll)
	case c.Store != storePostgres && c.Store != storeOracle:
		return fmt.Errorf("analytics: ANALYTICS_STORE %q must be %s or %s", c.Store, storePostgres, storeOracle)
	case c.Store == storeOracle && c.OracleDSN == "":
		return fmt.Errorf("analytics: ANALYTICS_STORE=oracle needs ORACLE_DSN (user/password@host:port/service)")
	case c.Store == storeOracle:
		return c.parseOracleDSN() // the one parse: connectOracle takes c.oracle
	}
	return nil
}

// The values of ANALYTICS_STORE.
const (
	storePostgres = "postgres"
	storeOracle   = "oracle"
)

// monthStart is the first instant (UTC) of t's month.
func monthStart(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
}

// oldestKept is the first instant of the oldest month retention keeps at now.
func (c *Config) oldestKept(now time.Time) time.Time {
	return monthStart(now).AddDate(0, 1-c.RetentionMonths, 0)
}
