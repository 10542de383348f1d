package analytics

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
)

// factStore is where the six fact tables and their rollups live: PostgreSQL (pgFacts, the
// default, in the service's own schema) or Oracle (oracleFacts, ANALYTICS_STORE=oracle,
// the spec's production engine). The subscriptions write through it, the API, the
// reconciliation and the maintenance worker read and prune through it. The runtime's
// inbox, offsets, rebuild bookkeeping and the finance tables stay in PostgreSQL whichever
// store holds the facts.
type factStore interface {
	// Apply stores a batch's rows, each (event id, seq) at most once, and adds exactly the
	// rows that were new to the rollups, so a duplicate or a replay never counts twice.
	// batch is the runtime's PostgreSQL transaction of the batch (inbox, offsets): the
	// PostgreSQL store writes in it; a store in another engine commits its own
	// transaction before returning, that is before batch commits, so a crash between the
	// two repeats an idempotent write.
	Apply(ctx context.Context, batch pgx.Tx, rows []row) error
	// Maintain makes sure the months given have their partitions and drops whole the
	// partitions (and rollups) of months before oldest; it returns what it dropped.
	Maintain(ctx context.Context, months []time.Time, oldest time.Time) ([]string, error)
	// Refresh recomputes every rollup from the facts: the full-refresh path.
	Refresh(ctx context.Context) error
	// CompleteRebuild makes the rollups complete when a rebuild by replay reaches its end
	// point, in tx, the PostgreSQL transaction that marks the rebuild finished: the
	// PostgreSQL store, which deferred them during the replay (deferred.go), computes them
	// from the facts; a store that kept them current during the replay does nothing.
	CompleteRebuild(ctx context.Context, tx pgx.Tx) error
	// Checksums fingerprints the six fact tables and the rollups (see Checksum).
	Checksums(ctx context.Context) ([]Checksum, error)

	// Rollups are t's rollups in the window, ordered by bucket, key, metric and currency.
	Rollups(ctx context.Context, t table, win window) ([]rollupView, error)
	// Utilization is occupancy over capacity per bucket and key in the window.
	Utilization(ctx context.Context, win window) ([]ratioView, error)
	// Revenue is the window's revenue per bucket and currency, refunds and lost disputes netted.
	Revenue(ctx context.Context, win window) ([]revenueLine, error)
	// Satisfaction is the satisfaction metrics of one guest, trip or guide (target, one
	// of satisfactionTargets) in the window.
	Satisfaction(ctx context.Context, target satisfactionTarget, id string, win window) ([]satisfactionLine, error)
	// Series is the rollup total of metric in t per bucket from first to last, overall or
	// for win's key, in currency; buckets without facts are absent.
	Series(ctx context.Context, t table, metric string, win window, currency string, first, last time.Time) (map[time.Time]float64, error)
	// TaxReport is the window's revenue per bucket, jurisdiction and currency with the tax
	// it includes at the rate in force on each fact's day (tax_rates, trip_jurisdictions).
	TaxReport(ctx context.Context, win window) ([]taxLine, error)
	// DayRevenue is the day's (UTC) revenue facts per currency and metric of netRevenueMetrics:
	// the absolute sum and the count, for the reconciliation.
	DayRevenue(ctx context.Context, day time.Time) ([]dayRevenue, error)
	// DayCaptures is the captured amount of each payment of the day in currency.
	DayCaptures(ctx context.Context, day time.Time, currency string) ([]capture, error)
}

// dayRevenue is one currency's and metric's total of a day: an exact decimal and a count.
type dayRevenue struct {
	currency, metric, total string
	n                       int64
}

// capture is one payment's captured total of a day, an exact decimal.
type capture struct{ id, total string }
