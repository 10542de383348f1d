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
	st, err := supplierStats(ctx, q, o.SupplierID)
	if err != nil {
		return nil, fmt.Errorf("delivery estimate: %w", err)
	}
	days := float64(st.PromisedLeadTimeDays)
	if st.MeanLeadTimeDays != nil {
		days = *st.MeanLeadTimeDays
	}
	t := from.UTC().Add(time.Duration(math.Round(days*24)) * time.Hour)
	return &t, nil
}
