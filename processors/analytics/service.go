// Package analytics is svc-analytics (CAP-5.3 Analytics and Business Intelligence, CAP-5.4
// Financial Reporting): it consumes every domain event topics.yaml routes to it and turns
// each into rows of the domain spec's six fact tables (booking_metrics, revenue_metrics,
// utilization_metrics, satisfaction_scores, safety_metrics, guide_performance) at the
// event's own time, keyed by event id so that a duplicate or a replay counts once.
//
// Facts are range-partitioned by month (created ahead, dropped whole by retention) and
// rolled up per day and month, overall and per trip, guide and location, in the same
// transaction as the facts, so the dashboards are current without ever recomputing
// everything. Its tables are projections of the topics only, so `novatrek groups reset
// svc-analytics --to-earliest --rebuild --execute` empties them (Spec.Rebuild) and a replay
// rebuilds them. The API is read-only.
package analytics

import (
	"context"
	"embed"
	"time"

	"github.com/novatrek/support/internal/platform/migrate"
	"github.com/novatrek/support/internal/platform/service"
	"github.com/novatrek/support/internal/platform/worker"
)

// ServiceName is the service's name in topics.yaml and its consumer group.
const ServiceName = "svc-analytics"

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Spec is svc-analytics; cmd/novatrek/services.go lists it.
var Spec = &service.Spec[*app]{
	Name: ServiceName,
	Store: service.Store{Schema: "analytics", MaxConnsEnv: "ANALYTICS_DB_MAX_CONNS",
		Migrations: []migrate.Set{migrate.Dir("analytics", migrationFiles, "migrations")}},
	New:           newApp,
	Subscriptions: subscriptions,
	API:           service.API[*app]{OpenAPI: openAPI, Routes: routes},
	// svc-payments, ours, for reconciliation (it permits svc-analytics); the token is the
	// one NOVATREK_API_TOKENS of svc-payments gives svc-analytics. Optional: without it
	// reconciliation is off and the worker says so.
	Clients: []service.Client{{Name: "payments", URLEnv: "ANALYTICS_PAYMENTS_URL", KeyEnv: "ANALYTICS_PAYMENTS_TOKEN",
		TimeoutEnv: "ANALYTICS_PAYMENTS_TIMEOUT", Timeout: 10 * time.Second, Retries: 2, Service: "svc-payments", Optional: true}},
	Workers: []service.Worker[*app]{
		{Name: "partition maintenance", Run: (*app).runMaintenance},
		{Name: "rebuild progress", Run: (*app).runRebuildProgress},
		{Name: "reconciliation", Run: (*app).runReconciliation},
	},
	// With ANALYTICS_STORE=oracle the service is ready while Oracle answers (with the
	// PostgreSQL store the runner's own "postgres" check covers the facts).
	Checks:  []service.ReadinessCheck[*app]{{Name: "oracle", Probe: (*app).pingOracle}},
	Rebuild: rebuild,
}

// pingOracle is the "oracle" readiness check.
func (a *app) pingOracle(ctx context.Context) error {
	if ora, ok := a.facts.(*oracleFacts); ok {
		return ora.db.PingContext(ctx)
	}
	return nil
}

// runRebuildProgress is the "rebuild progress" worker, every ANALYTICS_REBUILD_POLL.
func (a *app) runRebuildProgress(ctx context.Context) error {
	return worker.Every("rebuild progress", a.cfg.RebuildPoll, a.log, a.trackRebuild)(ctx)
}

// runMaintenance is the "partition maintenance" worker: at start and every
// ANALYTICS_MAINTENANCE_INTERVAL.
func (a *app) runMaintenance(ctx context.Context) error {
	return worker.Every("partition maintenance", a.cfg.MaintenanceInterval, a.log, func(ctx context.Context) error {
		_, err := a.maintain(ctx)
		return err
	})(ctx)
}
