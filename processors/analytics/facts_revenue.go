package analytics

import (
	"strings"

	"github.com/novatrek/support/schemas"
)

// Revenue facts, signed so that a sum is the net: captured payments add, refunds and lost
// disputes subtract (netRevenueMetrics). Authorizations, settled commissions and opened
// disputes are recorded beside them but are not revenue.

// The revenue metrics whose sum per currency is net revenue.
const (
	metricCaptured    = "payment_captured"
	metricRefunded    = "refunded"
	metricDisputeLost = "dispute_lost"
)

// netRevenueMetrics are summed into net revenue; the rest of revenue_metrics is context.
var netRevenueMetrics = []string{metricCaptured, metricRefunded, metricDisputeLost}

func paymentProcessedFacts(e *schemas.PaymentProcessed) ([]fact, error) {
	f, err := amount(revenueMetrics, e.Metadata.OccurredAt, "payment_"+strings.ToLower(e.Status), e.Amount, 1)
	if err != nil {
		return nil, err
	}
	f.guest, f.reservation, f.reference, f.category = e.GuestID, e.ReservationID, e.PaymentID, e.PaymentType
	return []fact{f}, nil
}

func paymentRefundedFacts(e *schemas.PaymentRefunded) ([]fact, error) {
	f, err := amount(revenueMetrics, e.Metadata.OccurredAt, metricRefunded, e.Amount, -1)
	if err != nil {
		return nil, err
	}
	f.guest, f.reservation, f.reference, f.category = e.GuestID, e.ReservationID, e.PaymentID, e.Reason
	return []fact{f}, nil
}

func disputeOpenedFacts(e *schemas.PaymentDisputeOpened) ([]fact, error) {
	f, err := amount(revenueMetrics, e.Metadata.OccurredAt, "dispute_opened", e.Amount, 1)
	if err != nil {
		return nil, err
	}
	f.reservation, f.reference, f.category = deref(e.ReservationID), e.PaymentID, e.Reason
	return []fact{f}, nil
}

// disputeUpdatedFacts: a dispute lost or accepted takes its amount back (amount_lost);
// every other move is counted by status without money.
func disputeUpdatedFacts(e *schemas.PaymentDisputeUpdated) ([]fact, error) {
	at := e.Metadata.OccurredAt
	if e.AmountLost != nil {
		f, err := amount(revenueMetrics, at, metricDisputeLost, *e.AmountLost, -1)
		if err != nil {
			return nil, err
		}
		f.reference, f.category = e.PaymentID, e.Status
		return []fact{f}, nil
	}
	f := count(revenueMetrics, at, "dispute_updates")
	f.reference, f.category = e.PaymentID, e.Status
	return []fact{f}, nil
}
