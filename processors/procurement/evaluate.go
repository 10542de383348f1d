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
// demand window and its supplier's lead time, stores it, and raises or clears the reorder
// alert, all in tx (the adjustment's or the transition's): stock below or at the point with
// nothing on order to cover it raises one alert and one reorder-alert.raised, the partial
// unique index making it once per breach however many adjustments follow; stock above the
// point, or enough on open orders, clears it. The level row is locked by the caller's
// update, so two adjustments of one item are judged one after the other.
func (a *app) evaluate(ctx context.Context, tx pgx.Tx, sku, location string) (level, error) {
	now := a.now().UTC()
	lv, err := readLevel(ctx, tx, sku, location, a.cfg.window, now)
	if errors.Is(err, pgx.ErrNoRows) {
		return lv, nil // never stocked here: nothing to judge
	}
	if err != nil {
		return lv, err
	}
	lv.Reorder = Reorder(lv.Demand, lv.Lead, a.cfg.z)
	// The figures and the alert decision go in one round trip.
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
	errClose := br.Close()
	switch {
	case errStore != nil:
		return lv, fmt.Errorf("store reorder point: %w", errStore)
	case errAlert != nil:
		return lv, fmt.Errorf("raise or clear reorder alert: %w", errAlert)
	case errClose != nil:
		return lv, fmt.Errorf("judge stock level: %w", errClose)
	case raised != "":
		return lv, a.emitAlert(ctx, tx, raised, lv, suggested)
	}
	return lv, nil
}

// readLevel reads sku at location with what is needed to judge it: on hand, on order
// (outstanding lines of open orders delivering there), the demand over the last window
// days (days without consumption count as zeros), and the supplier's lead time: mean and
// spread of its received orders (sent to fully received), its promise before the first.
func readLevel(ctx context.Context, q querier, sku, location string, window int, now time.Time) (level, error) {
	lv := level{SKU: sku, LocationID: location}
	var promised *int
	var deliveries int
	var leadMean, leadSD *float64
	var sum, squares float64
	// Both reads in one round trip.
	b := &pgx.Batch{}
	b.Queue(`SELECT l.item_name, l.on_hand, l.supplier_id, l.updated_at, s.promised_lead_time_days,
			coalesce((SELECT sum(li.quantity - li.received_quantity) FROM procurement.po_line_items li JOIN procurement.purchase_orders p USING (purchase_order_id)
				WHERE li.sku = l.sku AND p.location_id = l.location_id AND p.status = ANY($3)), 0),
			lt.n, lt.mean, lt.sd
		FROM procurement.stock_levels l LEFT JOIN procurement.suppliers s USING (supplier_id)
		LEFT JOIN LATERAL (SELECT count(*) AS n, avg(d) AS mean, stddev_samp(d) AS sd FROM (
			SELECT extract(epoch FROM p.received_at - p.sent_at)::float8 / 86400 AS d FROM procurement.purchase_orders p
			WHERE p.supplier_id = l.supplier_id AND p.status = 'received') x) lt ON true
		WHERE l.sku = $1 AND l.location_id = $2`, sku, location, openStatuses)
	b.Queue(`SELECT coalesce(sum(q), 0), coalesce(sum(q * q), 0) FROM (
			SELECT sum(-delta)::float8 AS q FROM procurement.stock_adjustments
			WHERE sku = $1 AND location_id = $2 AND kind = 'consumption' AND occurred_at > $3 AND occurred_at <= $4
			GROUP BY floor(extract(epoch FROM $4 - occurred_at) / 86400)) d`,
		sku, location, now.AddDate(0, 0, -window), now)
	br := q.SendBatch(ctx, b)
	errLevel := br.QueryRow().Scan(&lv.ItemName, &lv.OnHand, &lv.SupplierID, &lv.UpdatedAt, &promised, &lv.OnOrder,
		&deliveries, &leadMean, &leadSD)
	errDemand := br.QueryRow().Scan(&sum, &squares)
	errClose := br.Close()
	switch {
	case errLevel != nil:
		return lv, errLevel // pgx.ErrNoRows: never stocked here
	case errDemand != nil:
		return lv, fmt.Errorf("demand of %s at %s: %w", sku, location, errDemand)
	case errClose != nil:
		return lv, fmt.Errorf("read stock level: %w", errClose)
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

// querier is a pool or a transaction: queries, and statements pipelined in one round trip.
type querier interface {
	store.DB
	SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults
}

// ceil rounds a reorder figure up to whole units for the event.
func ceil(v float64) float64 { return math.Ceil(v - 1e-9) }
