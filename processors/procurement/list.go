package procurement

import (
	"context"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/novatrek/support/internal/platform/store"
)

// orderFilter is the list's query: optional filters and a keyset page.
type orderFilter struct {
	Status     *Status
	SupplierID string
	SKU        string
	Limit      int
	After      *cursor
}

// cursor is the last order of a page in the list's order (newest first): the next page
// starts strictly after it, so paging stays stable while orders are added.
type cursor struct {
	CreatedAt time.Time
	ID        string
}

func (c cursor) String() string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(c.CreatedAt.UnixMicro(), 10) + "/" + c.ID))
}

func parseCursor(s string) (*cursor, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, err
	}
	micros, id, ok := strings.Cut(string(b), "/")
	us, err := strconv.ParseInt(micros, 10, 64)
	if !ok || err != nil {
		return nil, fmt.Errorf("malformed cursor")
	}
	if _, err := uuid.Parse(id); err != nil {
		return nil, err
	}
	return &cursor{CreatedAt: time.UnixMicro(us).UTC(), ID: id}, nil
}

// listOrders is one page of orders and the cursor of the next, "" on the last.
func listOrders(ctx context.Context, q store.DB, f orderFilter) ([]Order, string, error) {
	where, args := []string{"true"}, []any{}
	arg := func(v any) string { args = append(args, v); return fmt.Sprintf("$%d", len(args)) }
	if f.Status != nil {
		where = append(where, "status = "+arg(string(*f.Status)))
	}
	if f.SupplierID != "" {
		where = append(where, "supplier_id = "+arg(f.SupplierID))
	}
	if f.SKU != "" {
		where = append(where, "EXISTS (SELECT 1 FROM procurement.po_line_items li WHERE li.purchase_order_id = purchase_orders.purchase_order_id AND li.sku = "+arg(f.SKU)+")")
	}
	if f.After != nil {
		where = append(where, "(created_at, purchase_order_id) < ("+arg(f.After.CreatedAt)+", "+arg(f.After.ID)+"::uuid)")
	}
	rows, err := q.Query(ctx, `SELECT purchase_order_id::text FROM procurement.purchase_orders WHERE `+strings.Join(where, " AND ")+
		` ORDER BY created_at DESC, purchase_order_id DESC LIMIT `+arg(f.Limit+1), args...)
	if err != nil {
		return nil, "", fmt.Errorf("list purchase orders: %w", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, "", fmt.Errorf("list purchase orders: %w", err)
	}
	next := ""
	if len(ids) > f.Limit {
		ids = ids[:f.Limit]
		next = "more"
	}
	orders := make([]Order, 0, len(ids))
	for _, id := range ids {
		o, err := loadOrder(ctx, q, id, false)
		if err != nil {
			return nil, "", err
		}
		orders = append(orders, o)
	}
	if next != "" {
		last := orders[len(orders)-1]
		next = cursor{CreatedAt: last.CreatedAt, ID: last.ID}.String()
	}
	return orders, next, nil
}

// levels lists the stock levels matching the optional sku and location, each judged as of
// now (demand over the window ending now), with its on-order quantity and its open alert.
func (a *app) levels(ctx context.Context, sku, location string) ([]levelView, error) {
	rows, err := a.db.Query(ctx, `SELECT sku, location_id FROM procurement.stock_levels
		WHERE ($1 = '' OR sku = $1) AND ($2 = '' OR location_id = $2) ORDER BY sku, location_id LIMIT 1000`, sku, location)
	if err != nil {
		return nil, fmt.Errorf("list stock levels: %w", err)
	}
	keys, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) ([2]string, error) {
		var k [2]string
		return k, r.Scan(&k[0], &k[1])
	})
	if err != nil {
		return nil, fmt.Errorf("list stock levels: %w", err)
	}
	out := []levelView{}
	for _, k := range keys {
		lv, err := readLevel(ctx, a.db, k[0], k[1], a.cfg.window, a.now().UTC())
		if err != nil {
			return nil, fmt.Errorf("read stock level: %w", err)
		}
		lv.Reorder = Reorder(lv.Demand, lv.Lead, a.cfg.z)
		alert, err := openAlert(ctx, a.db, k[0], k[1])
		if err != nil {
			return nil, err
		}
		out = append(out, levelViewOf(lv, alert))
	}
	return out, nil
}
