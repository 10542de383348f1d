package psp

// PaymentIntent statuses (Stripe's names).
const (
	StatusRequiresPaymentMethod = "requires_payment_method" // declined, or not confirmed yet
	StatusRequiresCapture       = "requires_capture"        // authorized
	StatusSucceeded             = "succeeded"               // captured
	StatusCanceled              = "canceled"                // voided
)

// PaymentIntent is the PSP's record of one card payment.
type PaymentIntent struct {
	ID               string            `json:"id"`
	Object           string            `json:"object"`
	Amount           int64             `json:"amount"`
	AmountCapturable int64             `json:"amount_capturable"`
	AmountReceived   int64             `json:"amount_received"`
	Currency         string            `json:"currency"`
	Status           string            `json:"status"`
	CaptureMethod    string            `json:"capture_method"`
	PaymentMethod    string            `json:"payment_method"`
	LatestCharge     *Charge           `json:"latest_charge,omitempty"`
	Metadata         map[string]string `json:"metadata,omitempty"`
}

// Charge is the expanded latest_charge of a PaymentIntent.
type Charge struct {
	ID                   string               `json:"id"`
	PaymentMethodDetails PaymentMethodDetails `json:"payment_method_details"`
}

// PaymentMethodDetails says what was charged; only the card brand and last four digits,
// never the number.
type PaymentMethodDetails struct {
	Type string       `json:"type"`
	Card *CardDetails `json:"card,omitempty"`
}

// CardDetails is the non-sensitive part of a card.
type CardDetails struct {
	Brand    string `json:"brand"`
	Last4    string `json:"last4"`
	ExpMonth int    `json:"exp_month"`
	ExpYear  int    `json:"exp_year"`
}

// Refund is money returned for a PaymentIntent.
type Refund struct {
	ID            string            `json:"id"`
	Object        string            `json:"object"`
	Amount        int64             `json:"amount"`
	Currency      string            `json:"currency"`
	PaymentIntent string            `json:"payment_intent"`
	Status        string            `json:"status"` // succeeded, pending, failed
	Reason        string            `json:"reason,omitempty"`
	Metadata      map[string]string `json:"metadata,omitempty"`
}

// Transfer is a payout to a connected account (a partner's commission).
type Transfer struct {
	ID            string            `json:"id"`
	Object        string            `json:"object"`
	Amount        int64             `json:"amount"`
	Currency      string            `json:"currency"`
	Destination   string            `json:"destination"`
	TransferGroup string            `json:"transfer_group,omitempty"`
	Metadata      map[string]string `json:"metadata,omitempty"`
}

// Refund reasons Stripe accepts.
const (
	RefundReasonRequestedByCustomer = "requested_by_customer"
	RefundReasonDuplicate           = "duplicate"
	RefundReasonFraudulent          = "fraudulent"
)
