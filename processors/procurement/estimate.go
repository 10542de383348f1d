package procurement

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/novatrek/support/internal/platform/store"
)

// expectedDelivery estimates when o arrives from its supplier's record: the day it was sent
// (or today, for an approved order not yet sent) plus the supplier's mean actual lead time,
// or its promise before its first delivery. nil for an order that is not on its way.
func expectedDelivery(ctx context.Context, q store.DB, o Order, now time.Time) (*time.Time, error) {
	from := now
	switch o.Status {
	case Approved, AwaitingSecond, Submitted:
	case Sent, PartiallyReceived:
		from = *o.SentAt
	default:
		return nil, nil
	}
	var days float64
	if err := q.QueryRow(ctx, leadTimeSQL, o.SupplierID).Scan(&days); err != nil {
		return nil, fmt.Errorf("delivery estimate: lead time of %s: %w", o.SupplierID, err)
	}
	t := from.UTC().Add(time.Duration(math.Round(days*24)) * time.Hour)
	return &t, nil
}

// leadTimeSQL is a supplier's mean actual lead time in days over its received orders, its
// promise before the first. It reads the received orders only (the index on supplier and
// status), not the supplier's whole record: the full statistics (supplierQuery) aggregate
// every order the supplier ever had, a cost that grows with the history, on every order
// view.
const leadTimeSQL = `SELECT coalesce(avg(extract(epoch FROM p.received_at - p.sent_at)::float8 / 86400), s.promised_lead_time_days)
	FROM procurement.suppliers s LEFT JOIN procurement.purchase_orders p ON p.supplier_id = s.supplier_id AND p.status = 'received'
	WHERE s.supplier_id = $1 GROUP BY s.supplier_id`
