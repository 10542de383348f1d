package procurement

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/novatrek/support/internal/platform/store"
)

// level is an item's stock at one location with its reorder figures.
type level struct {
	SKU, LocationID, ItemName string
	OnHand, OnOrder           int
	SupplierID                *string
	Demand                    Demand
	Lead                      LeadTime
	Reorder                   ReorderPoint
	UpdatedAt                 time.Time
}

// openStatuses are the order states whose outstanding lines cover a reorder point (Status.open).
var openStatuses = func() []string {
	var out []string
	for _, s := range Statuses {
		if s.open() {
			out = append(out, string(s))
		}
	}
	return out
}()

// evaluate recomputes the reorder point of sku at location from the consumption of the
// demand window and its supplier's lead time and judges it (judge), in tx. It returns the
// level (zero when never stocked there: nothing to judge) and its open alert.
func (a *app) evaluate(ctx context.Context, tx pgx.Tx, sku, location string) (level, *alertState, error) {
	lv, err := readLevel(ctx, tx, sku, location, a.cfg.window, a.now().UTC())
	if errors.Is(err, pgx.ErrNoRows) {
		return lv, nil, nil
	}
	if err != nil {
		return lv, nil, err
	}
	return a.judge(ctx, tx, lv)
}

// judge stores lv's reorder point and raises or clears its reorder alert, in tx (the
// adjustment's or the transition's), in one round trip that also reads the alert left
// open: stock below or at the point with nothing on order to cover it raises one alert
// and one reorder-alert.raised, the partial unique index making it once per breach
// however many adjustments follow; stock above the point, or enough on open orders,
// clears it. The level row is locked by the caller's update, so two adjustments of one
// item are judged one after the other.
func (a *app) judge(ctx context.Context, tx pgx.Tx, lv level) (level, *alertState, error) {
	now := a.now().UTC()
	sku, location := lv.SKU, lv.LocationID
	lv.Reorder = Reorder(lv.Demand, lv.Lead, a.cfg.z)
	batch := &pgx.Batch{}
	batch.Queue(`UPDATE procurement.stock_levels SET avg_daily_demand = $3, demand_stddev = $4, lead_time_days = $5,
		lead_time_stddev = $6, safety_stock = $7, reorder_point = $8 WHERE sku = $1 AND location_id = $2`,
		sku, location, lv.Demand.Mean, lv.Demand.StdDev, lv.Lead.Mean, lv.Lead.StdDev, lv.Reorder.SafetyStock, lv.Reorder.Point)
	breach := breached(lv.OnHand, lv.Demand, lv.Reorder)
	raise := breach && !covered(lv.OnHand, lv.OnOrder, lv.Reorder)
	suggested := suggestedQuantity(lv.OnHand, lv.OnOrder, lv.Demand, lv.Lead, lv.Reorder)
	if raise {
		batch.Queue(`INSERT INTO procurement.reorder_alerts (alert_id, sku, location_id, on_hand, reorder_point, suggested_quantity,
			status, raised_at) VALUES ($1, $2, $3, $4, $5, $6, 'open', $7)
			ON CONFLICT (sku, location_id) WHERE status = 'open' DO NOTHING RETURNING alert_id::text`,
			uuid.NewString(), sku, location, lv.OnHand, lv.Reorder.Point, suggested, now)
	} else {
		because := "stock recovered above the reorder point"
		if breach {
			because = "covered by open purchase orders"
		}
		batch.Queue(`UPDATE procurement.reorder_alerts SET status = 'cleared', cleared_at = $3, cleared_because = $4
			WHERE sku = $1 AND location_id = $2 AND status = 'open'`, sku, location, now, because)
	}
	batch.Queue(openAlertSQL, sku, location)
	br := tx.SendBatch(ctx, batch)
	_, errStore := br.Exec()
	var raised string
	var errAlert error
	if raise {
		errAlert = br.QueryRow().Scan(&raised)
		if errors.Is(errAlert, pgx.ErrNoRows) {
			errAlert = nil // this breach is already alerted
		}
	} else {
		_, errAlert = br.Exec()
	}
	open, errOpen := scanAlert(br.QueryRow())
	errClose := br.Close()
	switch {
	case errStore != nil:
		return lv, nil, fmt.Errorf("store reorder point: %w", errStore)
	case errAlert != nil:
		return lv, nil, fmt.Errorf("raise or clear reorder alert: %w", errAlert)
	case errOpen != nil:
		return lv, nil, errOpen
	case errClose != nil:
		return lv, nil, fmt.Errorf("judge stock level: %w", errClose)
	case raised != "":
		return lv, open, a.emitAlert(ctx, tx, raised, lv, suggested)
	}
	return lv, open, nil
}

// levelSQL reads a level ($1 sku, $2 location) with every input of its reorder point, in
// one query: on hand; on order (outstanding lines of open orders, $3, delivering there,
// found from the open orders: migrations/0002_open_orders.sql);
// the supplier's lead time, mean and spread of its received orders (sent to fully
// received), its promise before the first; and the consumption of the demand window ($4
// to $5) as the sum and the sum of squares of its daily totals (days without
// consumption count as zeros in demandOver).
const levelSQL = `SELECT l.item_name, l.on_hand, l.supplier_id, l.updated_at, s.promised_lead_time_days,
		coalesce((SELECT sum(li.quantity - li.received_quantity) FROM procurement.purchase_orders p
			JOIN procurement.po_line_items li ON li.purchase_order_id = p.purchase_order_id AND li.sku = l.sku
			WHERE p.location_id = l.location_id AND p.status = ANY($3)), 0),
		lt.n, lt.mean, lt.sd, dm.total, dm.squares
	FROM procurement.stock_levels l LEFT JOIN procurement.suppliers s USING (supplier_id)
	LEFT JOIN LATERAL (SELECT count(*) AS n, avg(d) AS mean, stddev_samp(d) AS sd FROM (
		SELECT extract(epoch FROM p.received_at - p.sent_at)::float8 / 86400 AS d FROM procurement.purchase_orders p
		WHERE p.supplier_id = l.supplier_id AND p.status = 'received') x) lt ON true
	CROSS JOIN LATERAL (SELECT coalesce(sum(q), 0) AS total, coalesce(sum(q * q), 0) AS squares FROM (
		SELECT sum(-delta)::float8 AS q FROM procurement.stock_adjustments
		WHERE sku = l.sku AND location_id = l.location_id AND kind = 'consumption' AND occurred_at > $4 AND occurred_at <= $5
		GROUP BY floor(extract(epoch FROM $5 - occurred_at) / 86400)) d) dm
	WHERE l.sku = $1 AND l.location_id = $2`

// levelArgs are levelSQL's arguments.
func levelArgs(sku, location string, window int, now time.Time) []any {
	return []any{sku, location, openStatuses, now.AddDate(0, 0, -window), now}
}

// readLevel reads sku at location with what is needed to judge it (levelSQL);
// pgx.ErrNoRows when it was never stocked there.
func readLevel(ctx context.Context, q store.DB, sku, location string, window int, now time.Time) (level, error) {
	return scanLevel(q.QueryRow(ctx, levelSQL, levelArgs(sku, location, window, now)...), sku, location, window)
}

// scanLevel reads a row of levelSQL.
func scanLevel(row pgx.Row, sku, location string, window int) (level, error) {
	lv := level{SKU: sku, LocationID: location}
	var promised *int
	var deliveries int
	var leadMean, leadSD *float64
	var sum, squares float64
	if err := row.Scan(&lv.ItemName, &lv.OnHand, &lv.SupplierID, &lv.UpdatedAt, &promised, &lv.OnOrder,
		&deliveries, &leadMean, &leadSD, &sum, &squares); err != nil {
		return lv, err // pgx.ErrNoRows: never stocked here
	}
	switch {
	case deliveries > 0 && leadMean != nil:
		lv.Lead.Mean = *leadMean
		if leadSD != nil {
			lv.Lead.StdDev = *leadSD
		}
	case promised != nil:
		lv.Lead.Mean = float64(*promised)
	}
	lv.Demand = demandOver(window, sum, squares)
	return lv, nil
}

// ceil rounds a reorder figure up to whole units for the event.
func ceil(v float64) float64 { return math.Ceil(v - 1e-9) }
