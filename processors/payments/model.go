package payments

import (
	"time"

	"github.com/google/uuid"

	"github.com/novatrek/support/internal/platform/money"
)

// Payment types.
const (
	TypeDeposit    = "DEPOSIT"
	TypeCommission = "COMMISSION"
)

// Payment statuses. processing is the only non-final state of the create flows: the row
// exists, the provider may or may not have acted; a retry or the recovery loop resumes it.
const (
	StatusProcessing = "processing"
	StatusAuthorized = "authorized" // deposit authorized, capture pending
	StatusCaptured   = "captured"   // deposit captured (refunds and disputes keep this status)
	StatusPaid       = "paid"       // commission paid out
	StatusVoided     = "voided"     // authorization released
	StatusDeclined   = "declined"   // the provider declined the card
	StatusBlocked    = "blocked"    // fraud screening rejected it; the provider was never called
)

// Payment is a row of payments.
type Payment struct {
	ID                uuid.UUID  `db:"id"`
	Caller            string     `db:"caller"`
	IdempotencyKey    string     `db:"idempotency_key"`
	RequestHash       []byte     `db:"request_hash"`
	Type              string     `db:"type"`
	ReservationID     uuid.UUID  `db:"reservation_id"`
	GuestID           uuid.UUID  `db:"guest_id"`
	PartnerID         *string    `db:"partner_id"`
	PartnerAccount    *string    `db:"partner_account"`
	Currency          string     `db:"currency"`
	AmountMinor       int64      `db:"amount_minor"`
	AuthorizedMinor   int64      `db:"authorized_minor"`
	CapturedMinor     int64      `db:"captured_minor"`
	RefundedMinor     int64      `db:"refunded_minor"`
	DisputedMinor     int64      `db:"disputed_minor"`
	ChargedBackMinor  int64      `db:"charged_back_minor"`
	Capture           bool       `db:"capture"`
	Method            string     `db:"method"`
	PaymentMethodID   *uuid.UUID `db:"payment_method_id"`
	Provider          string     `db:"provider"`
	ProviderToken     *string    `db:"provider_token"`
	ProviderReference *string    `db:"provider_reference"`
	CardBrand         *string    `db:"card_brand"`
	CardLast4         *string    `db:"card_last4"`
	Status            string     `db:"status"`
	FraudDecision     *string    `db:"fraud_decision"`
	FraudScore        *float64   `db:"fraud_score"`
	FraudAssessmentID *string    `db:"fraud_assessment_id"`
	FraudFallback     bool       `db:"fraud_fallback"`
	DeclineCode       *string    `db:"decline_code"`
	Description       *string    `db:"description"`
	CorrelationID     uuid.UUID  `db:"correlation_id"`
	CreatedAt         time.Time  `db:"created_at"`
	UpdatedAt         time.Time  `db:"updated_at"`
	AuthorizedAt      *time.Time `db:"authorized_at"`
	CapturedAt        *time.Time `db:"captured_at"`
	VoidedAt          *time.Time `db:"voided_at"`
}

// Refundable is what may still be refunded or disputed: captured less refunds (pending
// included), open disputes and chargebacks.
func (p *Payment) Refundable() int64 {
	return p.CapturedMinor - p.RefundedMinor - p.DisputedMinor - p.ChargedBackMinor
}

func (p *Payment) amount(minor int64) money.Amount {
	return money.Amount{Minor: minor, Currency: p.Currency}
}

// providerKey is the idempotency key sent to the PSP for operation op of this payment. It
// is derived from the payment id, which is committed before the first provider call, so every
// retry, by any process, sends the same key and the provider acts at most once.
func (p *Payment) providerKey(op string) string {
	return "novatrek-payment-" + p.ID.String() + "-" + op
}

// Refund statuses.
const (
	RefundPending   = "pending"
	RefundSucceeded = "succeeded"
	RefundFailed    = "failed"
)

// Refund reasons (the payment.refunded event's enum).
const (
	ReasonGuestCancellation    = "GUEST_CANCELLATION"
	ReasonOperatorCancellation = "OPERATOR_CANCELLATION"
	ReasonWeatherCancellation  = "WEATHER_CANCELLATION"
	ReasonServiceIssue         = "SERVICE_ISSUE"
	ReasonDuplicateCharge      = "DUPLICATE_CHARGE"
	ReasonChargeback           = "CHARGEBACK"
	ReasonOther                = "OTHER"
)

// Refund is a row of refunds.
type Refund struct {
	ID                 uuid.UUID  `db:"id"`
	PaymentID          uuid.UUID  `db:"payment_id"`
	Caller             *string    `db:"caller"`
	IdempotencyKey     *string    `db:"idempotency_key"`
	RequestHash        []byte     `db:"request_hash"`
	Currency           string     `db:"currency"`
	AmountMinor        int64      `db:"amount_minor"`
	Reason             string     `db:"reason"`
	PolicyEvaluationID *uuid.UUID `db:"policy_evaluation_id"`
	Status             string     `db:"status"`
	ProviderReference  *string    `db:"provider_reference"`
	FailureReason      *string    `db:"failure_reason"`
	CorrelationID      uuid.UUID  `db:"correlation_id"`
	CausationID        *string    `db:"causation_id"`
	Attempts           int        `db:"attempts"`
	NextAttemptAt      time.Time  `db:"next_attempt_at"`
	CreatedAt          time.Time  `db:"created_at"`
	CompletedAt        *time.Time `db:"completed_at"`
}

func (r *Refund) providerKey() string { return "novatrek-refund-" + r.ID.String() }

// Dispute statuses (the dispute events' enum).
const (
	DisputeOpen              = "OPEN"
	DisputeEvidenceSubmitted = "EVIDENCE_SUBMITTED"
	DisputeUnderReview       = "UNDER_REVIEW"
	DisputeWon               = "WON"
	DisputeLost              = "LOST"
	DisputeAccepted          = "ACCEPTED"
)

// Dispute is a row of disputes.
type Dispute struct {
	ID             uuid.UUID  `db:"id"`
	ProviderCaseID string     `db:"provider_case_id"`
	PaymentID      uuid.UUID  `db:"payment_id"`
	Currency       string     `db:"currency"`
	AmountMinor    int64      `db:"amount_minor"`
	Reason         string     `db:"reason"`
	Status         string     `db:"status"`
	RespondBy      time.Time  `db:"respond_by"`
	Note           *string    `db:"note"`
	OpenedAt       time.Time  `db:"opened_at"`
	UpdatedAt      time.Time  `db:"updated_at"`
	ClosedAt       *time.Time `db:"closed_at"`
}

// disputeTransitions lists the statuses each status may move to.
var disputeTransitions = map[string][]string{
	DisputeOpen:              {DisputeEvidenceSubmitted, DisputeUnderReview, DisputeWon, DisputeLost, DisputeAccepted},
	DisputeEvidenceSubmitted: {DisputeUnderReview, DisputeWon, DisputeLost},
	DisputeUnderReview:       {DisputeWon, DisputeLost},
}

func disputeClosed(status string) bool {
	return status == DisputeWon || status == DisputeLost || status == DisputeAccepted
}

// PaymentMethod is a row of payment_methods.
type PaymentMethod struct {
	ID            uuid.UUID `db:"id"`
	GuestID       uuid.UUID `db:"guest_id"`
	Provider      string    `db:"provider"`
	ProviderToken string    `db:"provider_token"`
	Brand         string    `db:"brand"`
	Last4         string    `db:"last4"`
	ExpMonth      int16     `db:"exp_month"`
	ExpYear       int16     `db:"exp_year"`
	CreatedBy     string    `db:"created_by"`
	CreatedAt     time.Time `db:"created_at"`
}

// Evaluation is a row of refund_policy_evaluations.
type Evaluation struct {
	ID                  uuid.UUID  `db:"id"`
	PaymentID           uuid.UUID  `db:"payment_id"`
	ReservationID       uuid.UUID  `db:"reservation_id"`
	Trigger             string     `db:"trigger"`
	EventID             *uuid.UUID `db:"event_id"`
	Reason              string     `db:"reason"`
	PolicyVersion       string     `db:"policy_version"`
	Rule                string     `db:"rule"`
	DepartureDate       *time.Time `db:"departure_date"`
	DaysBeforeDeparture *int32     `db:"days_before_departure"`
	RefundPercent       int32      `db:"refund_percent"`
	Currency            string     `db:"currency"`
	CapturedMinor       int64      `db:"captured_minor"`
	RefundableMinor     int64      `db:"refundable_minor"`
	PolicyMinor         int64      `db:"policy_minor"`
	RequestedMinor      *int64     `db:"requested_minor"`
	Decision            string     `db:"decision"`
	EvaluatedAt         time.Time  `db:"evaluated_at"`
}
