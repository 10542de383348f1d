package procurement

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/novatrek/support/internal/platform/fault"
	"github.com/novatrek/support/internal/platform/money"
	"github.com/novatrek/support/internal/platform/store"
)

// Order is a purchase order as stored.
type Order struct {
	ID              string
	Number          int64
	SupplierID      string
	LocationID      string
	Total           money.Amount
	Status          Status
	CreatedBy       string
	SubmittedBy     *string
	FirstApprovedBy *string
	ApprovedBy      *string
	SentAt          *time.Time
	PromisedDate    *time.Time
	ReceivedAt      *time.Time
	History         []Change
	Lines           []Line
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

// Line is one line of an order.
type Line struct {
	SKU         string
	Description string
	Quantity    int
	Received    int
	UnitCost    money.Amount
}

// Change is one entry of an order's history: every transition with its actor and time.
type Change struct {
	From   *Status   `json:"from"`
	To     Status    `json:"to"`
	Action string    `json:"action"`
	Actor  string    `json:"actor"`
	At     time.Time `json:"at"`
	Reason string    `json:"reason,omitempty"`
}

// PONumber is the order's human reference, PO-000042.
func (o Order) PONumber() string { return fmt.Sprintf("PO-%06d", o.Number) }

const orderColumns = `purchase_order_id::text, po_number, supplier_id, location_id, currency, total_minor, status, created_by,
	submitted_by, first_approved_by, approved_by, sent_at, promised_date, received_at, history, created_at, updated_at`

func scanOrder(row pgx.Row) (Order, error) {
	var o Order
	var history []byte
	err := row.Scan(&o.ID, &o.Number, &o.SupplierID, &o.LocationID, &o.Total.Currency, &o.Total.Minor, &o.Status, &o.CreatedBy,
		&o.SubmittedBy, &o.FirstApprovedBy, &o.ApprovedBy, &o.SentAt, &o.PromisedDate, &o.ReceivedAt, &history, &o.CreatedAt, &o.UpdatedAt)
	if err != nil {
		return o, err
	}
	return o, json.Unmarshal(history, &o.History)
}

// loadOrder reads order id with its lines; forUpdate locks the order row until q's
// transaction ends, so concurrent transitions of one order run one after the other.
func loadOrder(ctx context.Context, q store.DB, id string, forUpdate bool) (Order, error) {
	if _, err := uuid.Parse(id); err != nil {
		return Order{}, fault.NotFound("No purchase order " + id + ".")
	}
	sql := `SELECT ` + orderColumns + ` FROM procurement.purchase_orders WHERE purchase_order_id = $1`
	if forUpdate {
		sql += ` FOR UPDATE`
	}
	o, err := scanOrder(q.QueryRow(ctx, sql, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return Order{}, fault.NotFound("No purchase order " + id + ".")
	}
	if err != nil {
		return Order{}, fmt.Errorf("load purchase order: %w", err)
	}
	rows, err := q.Query(ctx, `SELECT sku, description, quantity, received_quantity, unit_cost_minor
		FROM procurement.po_line_items WHERE purchase_order_id = $1 ORDER BY line_no`, id)
	if err != nil {
		return Order{}, fmt.Errorf("load purchase order lines: %w", err)
	}
	o.Lines, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (Line, error) {
		l := Line{UnitCost: money.Amount{Currency: o.Total.Currency}}
		return l, r.Scan(&l.SKU, &l.Description, &l.Quantity, &l.Received, &l.UnitCost.Minor)
	})
	if err != nil {
		return Order{}, fmt.Errorf("load purchase order lines: %w", err)
	}
	return o, nil
}

// createOrder verifies the supplier and every line against the gear catalog, then writes
// the order as a draft with its lines, emits its first status-changed and calls finish
// (nil: none), all in one transaction. The catalog is asked before the transaction opens: when it cannot answer,
// nothing is written.
func (a *app) createOrder(ctx context.Context, in newOrder, finish finisher[Order]) (Order, error) {
	var exists bool
	if err := a.db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM procurement.suppliers WHERE supplier_id = $1)`, in.SupplierID).Scan(&exists); err != nil {
		return Order{}, fmt.Errorf("find supplier: %w", err)
	}
	if !exists {
		return Order{}, unprocessable("unknown-supplier", "Unknown supplier", "supplier_id", "No supplier "+in.SupplierID+"; PUT /v1/suppliers/{id} first.")
	}
	names := make([]string, len(in.Lines))
	for i, l := range in.Lines {
		it, err := a.catalog.lookup(ctx, l.SKU)
		if errors.Is(err, errUnknownItem) {
			return Order{}, unprocessable("unknown-item", "Unknown item", fmt.Sprintf("lines[%d].sku", i),
				"Item "+l.SKU+" is not in the gear catalog, or is no longer sold.")
		}
		if err != nil {
			return Order{}, err
		}
		names[i] = it.Name
	}
	total, err := orderTotal(in.Currency, in.Lines)
	if err != nil {
		return Order{}, err
	}
	now := a.now().UTC()
	id := uuid.NewString()
	created := Change{To: Draft, Action: "create", Actor: in.CreatedBy, At: now}
	history, _ := json.Marshal([]Change{created})
	var o Order
	err = pgx.BeginFunc(ctx, a.db, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO procurement.purchase_orders (purchase_order_id, supplier_id, location_id, currency, total_minor,
			status, created_by, history, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, 'draft', $6, $7, $8, $8)`,
			id, in.SupplierID, in.LocationID, in.Currency, total.Minor, in.CreatedBy, history, now); err != nil {
			return fmt.Errorf("insert purchase order: %w", err)
		}
		for i, l := range in.Lines {
			if _, err := tx.Exec(ctx, `INSERT INTO procurement.po_line_items (purchase_order_id, line_no, sku, description, quantity, unit_cost_minor)
				VALUES ($1, $2, $3, $4, $5, $6)`, id, i+1, l.SKU, names[i], l.Quantity, l.UnitCost.Minor); err != nil {
				return fmt.Errorf("insert purchase order line: %w", err)
			}
			// The item is now known at the order's location, and the supplier ordering it is
			// its supplier until another delivers it.
			if _, err := tx.Exec(ctx, `INSERT INTO procurement.stock_levels (sku, location_id, item_name, on_hand, supplier_id, updated_at)
				VALUES ($1, $2, $3, 0, $4, $5) ON CONFLICT (sku, location_id)
				DO UPDATE SET supplier_id = coalesce(stock_levels.supplier_id, excluded.supplier_id)`,
				l.SKU, in.LocationID, names[i], in.SupplierID, now); err != nil {
				return fmt.Errorf("register stock level: %w", err)
			}
		}
		var err error
		if o, err = loadOrder(ctx, tx, id, false); err != nil {
			return err
		}
		if err := a.emitStatus(ctx, tx, o, created); err != nil {
			return err
		}
		return finish.call(ctx, tx, o)
	})
	return o, err
}

// unprocessable is a 422 of slug naming the offending field.
func unprocessable(slug, title, field, detail string) error {
	return fault.Unprocessable(slug, title, detail).With("errors", []map[string]string{{"field": field, "reason": detail}})
}
