package procurement

import (
	"context"
	"errors"
	"fmt"
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

// adjustStock records a stock adjustment from the API: the item is verified against the
// catalog the first time it is seen at the location (nothing is written when the catalog
// cannot answer), then adjustment, level, reorder point and alert change in one
// transaction, finish (nil: none) last in it.
func (a *app) adjustStock(ctx context.Context, adj adjustment, finish finisher[adjusted]) (adjusted, error) {
	var name string
	err := a.db.QueryRow(ctx, `SELECT item_name FROM procurement.stock_levels WHERE sku = $1 AND location_id = $2`, adj.SKU, adj.LocationID).Scan(&name)
	if errors.Is(err, pgx.ErrNoRows) {
		it, err := a.catalog.lookup(ctx, adj.SKU)
		if errors.Is(err, errUnknownItem) {
			return adjusted{}, unprocessable("unknown-item", "Unknown item", "sku", "Item "+adj.SKU+" is not in the gear catalog, or is no longer sold.")
		}
		if err != nil {
			return adjusted{}, err
		}
		name = it.Name
	} else if err != nil {
		return adjusted{}, fmt.Errorf("find stock level: %w", err)
	}
	var out adjusted
	err = pgx.BeginFunc(ctx, a.db, func(tx pgx.Tx) error {
		now := a.now().UTC()
		id, lv, err := a.book(ctx, tx, adj, name, now)
		if err != nil {
			return err
		}
		out.AdjustmentID = id
		if out.Level, out.Alert, err = a.judge(ctx, tx, lv); err != nil {
			return err
		}
		return finish.call(ctx, tx, out)
	})
	return out, err
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
