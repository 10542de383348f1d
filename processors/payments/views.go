package payments

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/novatrek/support/internal/platform/idempotency"
	"github.com/novatrek/support/internal/platform/money"
	"github.com/novatrek/support/internal/platform/problem"
)

// The JSON views of the API. Money appears as {"amount": "12.34", "currency": "USD"}; card
// data as brand and last four digits only.

type paymentView struct {
	ID                string     `json:"id"`
	Type              string     `json:"type"`
	Status            string     `json:"status"`
	ReservationID     string     `json:"reservation_id"`
	GuestID           string     `json:"guest_id"`
	PartnerID         *string    `json:"partner_id,omitempty"`
	Amount            jsonMoney  `json:"amount"`
	Authorized        jsonMoney  `json:"authorized"`
	Captured          jsonMoney  `json:"captured"`
	Refunded          jsonMoney  `json:"refunded"`
	Disputed          jsonMoney  `json:"disputed"`
	ChargedBack       jsonMoney  `json:"charged_back"`
	Refundable        jsonMoney  `json:"refundable"`
	Method            string     `json:"method"`
	Card              *cardView  `json:"card,omitempty"`
	PaymentMethodID   *string    `json:"payment_method_id,omitempty"`
	Provider          string     `json:"provider"`
	ProviderReference *string    `json:"provider_reference,omitempty"`
	Fraud             *fraudView `json:"fraud,omitempty"`
	DeclineCode       *string    `json:"decline_code,omitempty"`
	Description       *string    `json:"description,omitempty"`
	CorrelationID     string     `json:"correlation_id"`
	CreatedAt         time.Time  `json:"created_at"`
	AuthorizedAt      *time.Time `json:"authorized_at,omitempty"`
	CapturedAt        *time.Time `json:"captured_at,omitempty"`
	VoidedAt          *time.Time `json:"voided_at,omitempty"`
}

type cardView struct {
	Brand *string `json:"brand,omitempty"`
	Last4 *string `json:"last4,omitempty"`
}

type fraudView struct {
	Decision     *string  `json:"decision,omitempty"`
	Score        *float64 `json:"score,omitempty"`
	Fallback     bool     `json:"fallback"`
	AssessmentID *string  `json:"assessment_id,omitempty"`
}

func viewPayment(p *Payment) paymentView {
	v := paymentView{
		ID: p.ID.String(), Type: p.Type, Status: p.Status, ReservationID: p.ReservationID.String(),
		GuestID: p.GuestID.String(), PartnerID: p.PartnerID, Amount: toJSONMoney(p.amount(p.AmountMinor)),
		Authorized: toJSONMoney(p.amount(p.AuthorizedMinor)), Captured: toJSONMoney(p.amount(p.CapturedMinor)),
		Refunded: toJSONMoney(p.amount(p.RefundedMinor)), Disputed: toJSONMoney(p.amount(p.DisputedMinor)),
		ChargedBack: toJSONMoney(p.amount(p.ChargedBackMinor)), Refundable: toJSONMoney(p.amount(max(p.Refundable(), 0))),
		Method: p.Method, Provider: p.Provider, ProviderReference: p.ProviderReference, DeclineCode: p.DeclineCode,
		Description: p.Description, CorrelationID: p.CorrelationID.String(), CreatedAt: p.CreatedAt.UTC(),
		AuthorizedAt: utc(p.AuthorizedAt), CapturedAt: utc(p.CapturedAt), VoidedAt: utc(p.VoidedAt),
	}
	if p.CardBrand != nil || p.CardLast4 != nil {
		v.Card = &cardView{Brand: p.CardBrand, Last4: p.CardLast4}
	}
	if p.PaymentMethodID != nil {
		s := p.PaymentMethodID.String()
		v.PaymentMethodID = &s
	}
	if p.FraudDecision != nil {
		v.Fraud = &fraudView{Decision: p.FraudDecision, Score: p.FraudScore, Fallback: p.FraudFallback, AssessmentID: p.FraudAssessmentID}
	}
	return v
}

type refundView struct {
	ID                 string     `json:"id"`
	PaymentID          string     `json:"payment_id"`
	Status             string     `json:"status"`
	Amount             jsonMoney  `json:"amount"`
	Reason             string     `json:"reason"`
	PolicyEvaluationID *string    `json:"policy_evaluation_id,omitempty"`
	ProviderReference  *string    `json:"provider_reference,omitempty"`
	FailureReason      *string    `json:"failure_reason,omitempty"`
	CreatedAt          time.Time  `json:"created_at"`
	CompletedAt        *time.Time `json:"completed_at,omitempty"`
}

func viewRefund(r *Refund) refundView {
	v := refundView{ID: r.ID.String(), PaymentID: r.PaymentID.String(), Status: r.Status,
		Amount: toJSONMoney(money.Amount{Minor: r.AmountMinor, Currency: r.Currency}), Reason: r.Reason,
		ProviderReference: r.ProviderReference, FailureReason: r.FailureReason, CreatedAt: r.CreatedAt.UTC(),
		CompletedAt: utc(r.CompletedAt)}
	if r.PolicyEvaluationID != nil {
		s := r.PolicyEvaluationID.String()
		v.PolicyEvaluationID = &s
	}
	return v
}

type disputeView struct {
	ID             string     `json:"id"`
	ProviderCaseID string     `json:"provider_case_id"`
	PaymentID      string     `json:"payment_id"`
	Amount         jsonMoney  `json:"amount"`
	Reason         string     `json:"reason"`
	Status         string     `json:"status"`
	RespondBy      time.Time  `json:"respond_by"`
	Note           *string    `json:"note,omitempty"`
	OpenedAt       time.Time  `json:"opened_at"`
	UpdatedAt      time.Time  `json:"updated_at"`
	ClosedAt       *time.Time `json:"closed_at,omitempty"`
}

func viewDispute(d *Dispute) disputeView {
	return disputeView{ID: d.ID.String(), ProviderCaseID: d.ProviderCaseID, PaymentID: d.PaymentID.String(),
		Amount: toJSONMoney(money.Amount{Minor: d.AmountMinor, Currency: d.Currency}), Reason: d.Reason,
		Status: d.Status, RespondBy: d.RespondBy.UTC(), Note: d.Note, OpenedAt: d.OpenedAt.UTC(),
		UpdatedAt: d.UpdatedAt.UTC(), ClosedAt: utc(d.ClosedAt)}
}

type methodView struct {
	ID        string    `json:"id"`
	GuestID   string    `json:"guest_id"`
	Provider  string    `json:"provider"`
	Brand     string    `json:"brand"`
	Last4     string    `json:"last4"`
	ExpMonth  int16     `json:"exp_month"`
	ExpYear   int16     `json:"exp_year"`
	CreatedAt time.Time `json:"created_at"`
}

func viewMethod(m *PaymentMethod) methodView {
	return methodView{ID: m.ID.String(), GuestID: m.GuestID.String(), Provider: m.Provider, Brand: m.Brand,
		Last4: m.Last4, ExpMonth: m.ExpMonth, ExpYear: m.ExpYear, CreatedAt: m.CreatedAt.UTC()}
}

func utc(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// response is a rendered HTTP response, as the idempotency keeper stores it for replay.
type response = idempotency.Response

func jsonResponse(status int, v any, location string) response {
	body, err := json.Marshal(v)
	if err != nil { // our own views always marshal; keep the API total anyway
		return problemResponse(problem.Internal())
	}
	h := http.Header{"Content-Type": {"application/json"}}
	if location != "" {
		h.Set("Location", location)
	}
	return response{Status: status, Header: h, Body: append(body, '\n')}
}

func problemResponse(p *problem.Problem) response {
	body, _ := json.Marshal(p)
	return response{Status: p.Status, Header: http.Header{"Content-Type": {problem.ContentType}}, Body: append(body, '\n')}
}

// write sends r, for reads that store nothing.
func write(w http.ResponseWriter, r response) {
	for k, v := range r.Header {
		w.Header()[k] = v
	}
	w.WriteHeader(r.Status)
	w.Write(r.Body)
}
