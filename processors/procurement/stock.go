package procurement

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/novatrek/support/internal/platform/fault"
)

// adjusted is the result of a stock adjustment.
type adjusted struct {
	AdjustmentID string
	Level        level
	Alert        *alertState
}

// adjustStocks records stock adjustments from the API, in one transaction whatever their
// number (a bulk stock count is one commit, not one per item): an item first seen at its
// location is verified against the catalog before the transaction opens (nothing is
// written when the catalog cannot answer), then each adjustment, its level, reorder point
// and alert change, finish (nil: none) last. The levels are locked in (sku, location)
// order, the adjustments of one level in request order, so two bulk requests cannot
// deadlock; the results come in request order. One refused adjustment (unknown item,
// stock going negative) refuses them all, the problem naming it (atItem).
func (a *app) adjustStocks(ctx context.Context, adjs []adjustment, finish finisher[[]adjusted]) ([]adjusted, error) {
	names, err := a.itemNames(ctx, adjs)
	if err != nil {
		return nil, err
	}
	order := make([]int, len(adjs))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(i, j int) int {
		return cmp.Or(cmp.Compare(adjs[i].SKU, adjs[j].SKU), cmp.Compare(adjs[i].LocationID, adjs[j].LocationID))
	})
	out := make([]adjusted, len(adjs))
	err = pgx.BeginFunc(ctx, a.db, func(tx pgx.Tx) error {
		now := a.now().UTC()
		for _, i := range order {
			adj := adjs[i]
			id, lv, err := a.book(ctx, tx, adj, names[[2]string{adj.SKU, adj.LocationID}], now)
			if err != nil {
				return atItem(err, i, len(adjs))
			}
			out[i].AdjustmentID = id
			if out[i].Level, out[i].Alert, err = a.judge(ctx, tx, lv); err != nil {
				return err
			}
		}
		return finish.call(ctx, tx, out)
	})
	return out, err
}

// itemNames are the names of the adjustments' items by (sku, location): the stocked
// levels' in one query, the catalog's for an item first seen at a location (an unknown
// item is a 422 naming the adjustment).
func (a *app) itemNames(ctx context.Context, adjs []adjustment) (map[[2]string]string, error) {
	skus, locations := make([]string, len(adjs)), make([]string, len(adjs))
	for i, adj := range adjs {
		skus[i], locations[i] = adj.SKU, adj.LocationID
	}
	rows, err := a.db.Query(ctx, `SELECT l.sku, l.location_id, l.item_name FROM procurement.stock_levels l
		JOIN unnest($1::text[], $2::text[]) AS k(sku, location_id) USING (sku, location_id)`, skus, locations)
	if err != nil {
		return nil, fmt.Errorf("find stock levels: %w", err)
	}
	names := map[[2]string]string{}
	var sku, location, name string
	if _, err := pgx.ForEachRow(rows, []any{&sku, &location, &name}, func() error {
		names[[2]string{sku, location}] = name
		return nil
	}); err != nil {
		return nil, fmt.Errorf("find stock levels: %w", err)
	}
	catalog := map[string]string{}
	for i, adj := range adjs {
		k := [2]string{adj.SKU, adj.LocationID}
		if _, ok := names[k]; ok {
			continue
		}
		if n, ok := catalog[adj.SKU]; ok {
			names[k] = n
			continue
		}
		it, err := a.catalog.lookup(ctx, adj.SKU)
		if errors.Is(err, errUnknownItem) {
			return nil, atItem(unprocessable("unknown-item", "Unknown item", "sku", "Item "+adj.SKU+" is not in the gear catalog, or is no longer sold."), i, len(adjs))
		}
		if err != nil {
			return nil, err
		}
		names[k], catalog[adj.SKU] = it.Name, it.Name
	}
	return names, nil
}

// book writes adj and moves the level by its delta, in tx, in one round trip (the level
// registered if new, moved, the adjustment written, then read back with every input of its
// reorder point, levelSQL); a level that would go negative is a 409 and the caller's
// rollback takes the rest with it. The caller judges the reorder point after.
func (a *app) book(ctx context.Context, tx pgx.Tx, adj adjustment, itemName string, now time.Time) (string, level, error) {
	id := uuid.NewString()
	b := &pgx.Batch{}
	b.Queue(`INSERT INTO procurement.stock_levels (sku, location_id, item_name, on_hand, updated_at)
		VALUES ($1, $2, $3, 0, $4) ON CONFLICT (sku, location_id) DO NOTHING`, adj.SKU, adj.LocationID, itemName, now)
	b.Queue(`UPDATE procurement.stock_levels SET on_hand = on_hand + $3, supplier_id = coalesce($4, supplier_id), updated_at = $5
		WHERE sku = $1 AND location_id = $2 AND on_hand + $3 >= 0 RETURNING on_hand`,
		adj.SKU, adj.LocationID, adj.Delta, adj.ReceivedSupplier, now)
	b.Queue(`INSERT INTO procurement.stock_adjustments (adjustment_id, sku, location_id, kind, delta, reason, source,
		purchase_order_id, occurred_at, recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		id, adj.SKU, adj.LocationID, adj.Kind, adj.Delta, adj.Reason, adj.Source, adj.PurchaseOrderID, adj.OccurredAt, now)
	b.Queue(levelSQL, levelArgs(adj.SKU, adj.LocationID, a.cfg.window, now)...)
	br := tx.SendBatch(ctx, b)
	_, errRegister := br.Exec()
	var onHand int
	errMove := br.QueryRow().Scan(&onHand)
	_, errInsert := br.Exec()
	lv, errLevel := scanLevel(br.QueryRow(), adj.SKU, adj.LocationID, a.cfg.window)
	errClose := br.Close()
	switch {
	case errRegister != nil:
		return "", lv, fmt.Errorf("register stock level: %w", errRegister)
	case errors.Is(errMove, pgx.ErrNoRows):
		return "", lv, fault.Conflict("insufficient-stock", "Insufficient stock",
			fmt.Sprintf("%s at %s holds fewer than %d units.", adj.SKU, adj.LocationID, -adj.Delta))
	case errMove != nil:
		return "", lv, fmt.Errorf("move stock level: %w", errMove)
	case errInsert != nil:
		return "", lv, fmt.Errorf("insert stock adjustment: %w", errInsert)
	case errLevel != nil:
		return "", lv, fmt.Errorf("read stock level: %w", errLevel)
	case errClose != nil:
		return "", lv, fmt.Errorf("book stock adjustment: %w", errClose)
	}
	return id, lv, nil
}
