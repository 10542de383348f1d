package procurement

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// receive books what arrived against o, in the transition's transaction: each line's
// received quantity grows (never past what was ordered), the stock at the order's location
// grows by a receipt adjustment naming the order, and the supplier becomes the items'
// supplier there. The order is Received when nothing is outstanding, PartiallyReceived
// otherwise; its received_at is what the supplier's lead time is measured to.
func (a *app) receive(ctx context.Context, tx pgx.Tx, o *Order, req transitionRequest, now time.Time) (Status, error) {
	for i, r := range req.Lines {
		field := fmt.Sprintf("lines[%d]", i)
		idx := -1
		for j, l := range o.Lines {
			if l.SKU == r.SKU {
				idx = j
			}
		}
		if idx < 0 {
			return "", unprocessable("not-on-order", "Item not on the order", field+".sku", r.SKU+" is not on "+o.PONumber()+".")
		}
		l := &o.Lines[idx]
		if outstanding := l.Quantity - l.Received; r.Quantity > outstanding {
			return "", unprocessable("over-receipt", "More than outstanding", field+".quantity",
				fmt.Sprintf("%d of %s is outstanding on %s; %d cannot be received.", outstanding, r.SKU, o.PONumber(), r.Quantity))
		}
		l.Received += r.Quantity
		if _, err := tx.Exec(ctx, `UPDATE procurement.po_line_items SET received_quantity = $3 WHERE purchase_order_id = $1 AND sku = $2`,
			o.ID, r.SKU, l.Received); err != nil {
			return "", fmt.Errorf("receive line: %w", err)
		}
		id, supplier := o.ID, o.SupplierID
		adj := adjustment{SKU: r.SKU, LocationID: o.LocationID, Kind: KindReceipt, Delta: r.Quantity,
			Reason: "receipt against " + o.PONumber(), Source: o.PONumber(), OccurredAt: now,
			PurchaseOrderID: &id, ReceivedSupplier: &supplier}
		if _, _, err := a.book(ctx, tx, adj, l.Description, now); err != nil {
			return "", err
		}
	}
	for _, l := range o.Lines {
		if l.Received < l.Quantity {
			return PartiallyReceived, nil
		}
	}
	o.ReceivedAt = &now
	return Received, nil
}
