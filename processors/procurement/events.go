package procurement

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/novatrek/support/internal/platform/store"
	"github.com/novatrek/support/schemas"
)

// emitStatus emits purchase-order.status-changed for change of o (o already in its new
// state) through the outbox, in tx (or queued on the caller's pipeline, store.Queue): the
// event commits with the change or not at all.
func (a *app) emitStatus(ctx context.Context, tx store.Execer, o Order, change Change) error {
	total, err := o.Total.ToAvro()
	if err != nil {
		return fmt.Errorf("status-changed: total: %w", err)
	}
	ev := &schemas.PurchaseOrderStatusChanged{PurchaseOrderID: o.ID, PoNumber: o.PONumber(), SupplierID: o.SupplierID,
		Status: change.To.eventStatus(), Total: total, ChangedBy: change.Actor, Lines: []schemas.PurchaseOrderLine{}}
	if change.From != nil {
		prev := change.From.eventStatus()
		ev.PreviousStatus = &prev
	}
	for _, l := range o.Lines {
		cost, err := l.UnitCost.ToAvro()
		if err != nil {
			return fmt.Errorf("status-changed: unit cost: %w", err)
		}
		ev.Lines = append(ev.Lines, schemas.PurchaseOrderLine{Sku: l.SKU, Description: l.Description, Quantity: l.Quantity, UnitCost: cost})
	}
	if o.PromisedDate != nil {
		d := *o.PromisedDate
		ev.ExpectedDeliveryDate = &d
	}
	reason := change.Reason
	if change.To == AwaitingSecond {
		reason = "approved by " + change.Actor + "; a second approver is required"
	}
	if reason != "" {
		ev.Reason = &reason
	}
	return a.emit.Emit(ctx, tx, ev)
}

// emitAlert emits reorder-alert.raised for a breach just recorded.
func (a *app) emitAlert(ctx context.Context, tx pgx.Tx, alertID string, lv level, suggested int) error {
	ev := &schemas.ReorderAlertRaised{AlertID: alertID, Sku: lv.SKU, ItemName: lv.ItemName, WarehouseID: lv.LocationID,
		OnHand: lv.OnHand, ReorderPoint: int(ceil(lv.Reorder.Point)), SuggestedQuantity: suggested, PreferredSupplierID: lv.SupplierID}
	if lv.SupplierID != nil {
		days := int(ceil(lv.Lead.Mean))
		ev.SupplierLeadTimeDays = &days
	}
	return a.emit.Emit(ctx, tx, ev)
}
