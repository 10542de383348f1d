package analytics

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// maintain is one round of partition upkeep at now: the months from the current one to
// MonthsAhead ahead exist, and the months retention no longer keeps are dropped whole
// (DROP TABLE of the partitions: no row deletes, no bloat, no vacuum), with their rollups.
// It returns the partitions it dropped.
func (a *app) maintain(ctx context.Context) ([]string, error) {
	now := a.now()
	months := make([]time.Time, 0, a.cfg.MonthsAhead+1)
	for i := range a.cfg.MonthsAhead + 1 {
		months = append(months, monthStart(now).AddDate(0, i, 0))
	}
	dropped, err := a.facts.Maintain(ctx, months, a.cfg.oldestKept(now))
	if err != nil {
		return nil, fmt.Errorf("analytics: partition maintenance: %w", err)
	}
	if len(dropped) > 0 {
		a.log.Info("retention dropped partitions", "partitions", dropped, "retention_months", a.cfg.RetentionMonths)
	}
	return dropped, nil
}

// dropMonthsBefore drops every fact partition whose month ends at or before oldest, and
// the rollup buckets before it, in tx.
func dropMonthsBefore(ctx context.Context, tx pgx.Tx, oldest time.Time) ([]string, error) {
	parts, err := partitions(ctx, tx)
	if err != nil {
		return nil, err
	}
	var dropped []string
	for _, p := range parts {
		if !p.to.After(oldest) {
			if _, err := tx.Exec(ctx, `DROP TABLE analytics.`+pgx.Identifier{p.name}.Sanitize()); err != nil {
				return nil, fmt.Errorf("drop partition %s: %w", p.name, err)
			}
			dropped = append(dropped, p.name)
		}
	}
	if _, err := tx.Exec(ctx, `DELETE FROM analytics.rollups WHERE bucket < $1`, oldest); err != nil {
		return nil, fmt.Errorf("drop rollups before %s: %w", oldest.Format(time.DateOnly), err)
	}
	return dropped, nil
}

// partition is one monthly partition of a fact table.
type partition struct {
	table, name string
	from, to    time.Time
}

// partitions lists the fact tables' partitions with their bounds, oldest first. The bounds
// are read from the catalog (pg_get_expr of the partition bound), not from the names.
func partitions(ctx context.Context, q interface {
	Query(context.Context, string, ...any) (pgx.Rows, error)
}) ([]partition, error) {
	rows, err := q.Query(ctx, `
		SELECT parent.relname, child.relname,
		       (regexp_match(pg_get_expr(child.relpartbound, child.oid), 'FROM \(''([^'']+)''\) TO \(''([^'']+)''\)'))[1]::timestamptz,
		       (regexp_match(pg_get_expr(child.relpartbound, child.oid), 'FROM \(''([^'']+)''\) TO \(''([^'']+)''\)'))[2]::timestamptz
		FROM pg_inherits i
		JOIN pg_class parent ON parent.oid = i.inhparent
		JOIN pg_class child ON child.oid = i.inhrelid
		JOIN pg_namespace ns ON ns.oid = parent.relnamespace
		WHERE ns.nspname = 'analytics' AND parent.relname = ANY (analytics.fact_tables())
		ORDER BY 3, 1`)
	if err != nil {
		return nil, fmt.Errorf("list partitions: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (partition, error) {
		var p partition
		err := r.Scan(&p.table, &p.name, &p.from, &p.to)
		return p, err
	})
}
