package procurement

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/novatrek/support/internal/platform/fault"
	"github.com/novatrek/support/internal/platform/store"
)

// supplierView is a supplier with its lead-time record: promised against actual over its
// received orders (sent to fully received), and the share delivered by the promised date.
type supplierView struct {
	SupplierID           string   `json:"supplier_id"`
	Name                 string   `json:"name"`
	PromisedLeadTimeDays int      `json:"promised_lead_time_days"`
	Deliveries           int      `json:"deliveries"`
	MeanLeadTimeDays     *float64 `json:"mean_lead_time_days"`
	LeadTimeStdDevDays   *float64 `json:"lead_time_stddev_days"`
	OnTimeRate           *float64 `json:"on_time_rate"`
	OpenOrders           int      `json:"open_orders"`
}

const supplierQuery = `SELECT s.supplier_id, s.name, s.promised_lead_time_days,
		count(p.*) FILTER (WHERE p.status = 'received'),
		avg(extract(epoch FROM p.received_at - p.sent_at)::float8 / 86400) FILTER (WHERE p.status = 'received'),
		stddev_samp(extract(epoch FROM p.received_at - p.sent_at)::float8 / 86400) FILTER (WHERE p.status = 'received'),
		(avg(CASE WHEN p.received_at::date <= p.promised_date THEN 1.0 ELSE 0.0 END) FILTER (WHERE p.status = 'received'))::float8,
		count(p.*) FILTER (WHERE p.status = ANY($1))
	FROM procurement.suppliers s LEFT JOIN procurement.purchase_orders p USING (supplier_id)`

func scanSupplier(r pgx.Row) (supplierView, error) {
	var v supplierView
	err := r.Scan(&v.SupplierID, &v.Name, &v.PromisedLeadTimeDays, &v.Deliveries, &v.MeanLeadTimeDays, &v.LeadTimeStdDevDays,
		&v.OnTimeRate, &v.OpenOrders)
	return v, err
}

// supplierStats is one supplier's record.
func supplierStats(ctx context.Context, q store.DB, id string) (supplierView, error) {
	v, err := scanSupplier(q.QueryRow(ctx, supplierQuery+` WHERE s.supplier_id = $2 GROUP BY s.supplier_id`, openStatuses, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return v, fault.NotFound("No supplier " + id + ".")
	}
	return v, err
}

// suppliers lists every supplier's record, by id.
func suppliers(ctx context.Context, q store.DB) ([]supplierView, error) {
	rows, err := q.Query(ctx, supplierQuery+` GROUP BY s.supplier_id ORDER BY s.supplier_id`, openStatuses)
	if err != nil {
		return nil, fmt.Errorf("list suppliers: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (supplierView, error) { return scanSupplier(r) })
}

// putSupplier creates or renames a supplier and sets its promised lead time.
func putSupplier(ctx context.Context, q store.DB, id string, b supplierBody, now time.Time) (supplierView, error) {
	if _, err := q.Exec(ctx, `INSERT INTO procurement.suppliers (supplier_id, name, promised_lead_time_days, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $4) ON CONFLICT (supplier_id) DO UPDATE SET name = excluded.name,
		promised_lead_time_days = excluded.promised_lead_time_days, updated_at = excluded.updated_at`,
		id, b.Name, b.PromisedLeadTimeDays, now); err != nil {
		return supplierView{}, fmt.Errorf("put supplier: %w", err)
	}
	return supplierStats(ctx, q, id)
}
