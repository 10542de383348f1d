package payments

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/novatrek/support/internal/platform/httpedge"
	"github.com/novatrek/support/internal/platform/money"
	"github.com/novatrek/support/internal/platform/problem"
)

// The request decoders turn a JSON body into a validated input, or a 400 problem listing
// every invalid field. They are strict (unknown fields, trailing data and wrong types are
// errors) because a typo in a payment request must not be silently ignored, and they are
// fuzzed (decode_fuzz_test.go).

// jsonMoney is money on the wire: a decimal string and an ISO 4217 code, the same field
// names as the events' Money record. Never a JSON number: floats lose cents.
type jsonMoney struct {
	Amount   string `json:"amount"`
	Currency string `json:"currency"`
}

func toJSONMoney(a money.Amount) jsonMoney {
	return jsonMoney{Amount: a.Decimal(), Currency: a.Currency}
}

type depositRequest struct {
	ReservationID      string     `json:"reservation_id"`
	GuestID            string     `json:"guest_id"`
	Amount             *jsonMoney `json:"amount"`
	PaymentMethodID    *string    `json:"payment_method_id"`
	PaymentMethodToken *string    `json:"payment_method_token"`
	Capture            *bool      `json:"capture"`
	Description        *string    `json:"description"`
}

type commissionRequest struct {
	ReservationID  string     `json:"reservation_id"`
	GuestID        string     `json:"guest_id"`
	PartnerID      string     `json:"partner_id"`
	PartnerAccount string     `json:"partner_account"`
	Amount         *jsonMoney `json:"amount"`
	Description    *string    `json:"description"`
}

type captureRequest struct {
	Amount *jsonMoney `json:"amount"`
}

type refundRequest struct {
	Amount        *jsonMoney `json:"amount"`
	Reason        string     `json:"reason"`
	DepartureDate *string    `json:"departure_date"`
}

type methodRequest struct {
	ProviderToken string `json:"provider_token"`
	Brand         string `json:"brand"`
	Last4         string `json:"last4"`
	ExpMonth      int    `json:"exp_month"`
	ExpYear       int    `json:"exp_year"`
}

type disputeRequest struct {
	PaymentID *string    `json:"payment_id"`
	Amount    *jsonMoney `json:"amount"`
	Reason    *string    `json:"reason"`
	Status    *string    `json:"status"`
	RespondBy *string    `json:"respond_by"`
	Note      *string    `json:"note"`
}

// maxTextLength bounds free-text fields.
const maxTextLength = 500

var (
	tokenPattern   = regexp.MustCompile(`^(pm|card|src|tok)_[A-Za-z0-9_]{1,250}$`)
	accountPattern = regexp.MustCompile(`^acct_[A-Za-z0-9]{1,64}$`)
	partnerPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)
	casePattern    = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$`)
	last4Pattern   = regexp.MustCompile(`^[0-9]{4}$`)
)

var cardBrands = map[string]bool{"visa": true, "mastercard": true, "amex": true, "discover": true,
	"diners": true, "jcb": true, "unionpay": true, "unknown": true}

var refundReasons = map[string]bool{ReasonGuestCancellation: true, ReasonOperatorCancellation: true,
	ReasonWeatherCancellation: true, ReasonServiceIssue: true, ReasonDuplicateCharge: true, ReasonOther: true}

var disputeReasons = map[string]bool{"FRAUDULENT": true, "NOT_RECEIVED": true, "NOT_AS_DESCRIBED": true,
	"DUPLICATE": true, "CREDIT_NOT_PROCESSED": true, "OTHER": true}

var disputeStatuses = map[string]bool{DisputeOpen: true, DisputeEvidenceSubmitted: true, DisputeUnderReview: true,
	DisputeWon: true, DisputeLost: true, DisputeAccepted: true}

// fields collects field errors.
type fields []problem.FieldError

func (f *fields) add(field, reason string) {
	*f = append(*f, problem.FieldError{Field: field, Reason: reason})
}

func (f fields) problem() *problem.Problem {
	if len(f) == 0 {
		return nil
	}
	return problem.Validation("Some fields are invalid.", f...)
}

func (f *fields) uuid(field, s string) uuid.UUID {
	if s == "" {
		f.add(field, "required")
		return uuid.Nil
	}
	id, err := uuid.Parse(s)
	if err != nil || len(s) != 36 || id == uuid.Nil {
		f.add(field, "must be a UUID")
		return uuid.Nil
	}
	return id
}

// amount validates a positive amount.
func (f *fields) amount(field string, m *jsonMoney, required bool) *money.Amount {
	if m == nil {
		if required {
			f.add(field, "required")
		}
		return nil
	}
	if _, err := money.LookupCurrency(m.Currency); err != nil {
		f.add(field+".currency", "must be a supported upper-case ISO 4217 code")
		return nil
	}
	a, err := money.Parse(m.Amount, m.Currency)
	switch {
	case errors.Is(err, money.ErrPrecision):
		f.add(field+".amount", "has more decimal places than "+m.Currency+" allows")
		return nil
	case errors.Is(err, money.ErrRange):
		f.add(field+".amount", "is out of range")
		return nil
	case err != nil:
		f.add(field+".amount", `must be a decimal string such as "12.34"`)
		return nil
	case a.Minor <= 0:
		f.add(field+".amount", "must be positive")
		return nil
	}
	return &a
}

func (f *fields) text(field string, s *string) *string {
	if s == nil {
		return nil
	}
	if !utf8.ValidString(*s) || utf8.RuneCountInString(*s) > maxTextLength || strings.ContainsAny(*s, "\x00\x1b") {
		f.add(field, fmt.Sprintf("must be valid text of at most %d characters", maxTextLength))
		return nil
	}
	return s
}

func (f *fields) date(field string, s *string) *time.Time {
	if s == nil {
		return nil
	}
	d, err := time.Parse(time.DateOnly, *s)
	if err != nil || d.Year() < 2000 || d.Year() > 2200 {
		f.add(field, "must be a date YYYY-MM-DD")
		return nil
	}
	return &d
}

func parseDeposit(body []byte) (depositInput, *problem.Problem) {
	var req depositRequest
	if p := httpedge.DecodeBody(body, &req); p != nil {
		return depositInput{}, p
	}
	var f fields
	in := depositInput{
		ReservationID: f.uuid("reservation_id", req.ReservationID),
		GuestID:       f.uuid("guest_id", req.GuestID),
		Capture:       req.Capture == nil || *req.Capture,
		Description:   f.text("description", req.Description),
	}
	if a := f.amount("amount", req.Amount, true); a != nil {
		in.Amount = *a
	}
	switch {
	case req.PaymentMethodID != nil && req.PaymentMethodToken != nil:
		f.add("payment_method_id", "give payment_method_id or payment_method_token, not both")
	case req.PaymentMethodID != nil:
		if id := f.uuid("payment_method_id", *req.PaymentMethodID); id != uuid.Nil {
			in.PaymentMethodID = &id
		}
	case req.PaymentMethodToken != nil:
		if !tokenPattern.MatchString(*req.PaymentMethodToken) {
			f.add("payment_method_token", "must be a payment provider token such as pm_...")
		}
		in.Token = *req.PaymentMethodToken
	default:
		f.add("payment_method_id", "give a saved payment_method_id or a provider payment_method_token")
	}
	return in, f.problem()
}

func parseCommission(body []byte) (commissionInput, *problem.Problem) {
	var req commissionRequest
	if p := httpedge.DecodeBody(body, &req); p != nil {
		return commissionInput{}, p
	}
	var f fields
	in := commissionInput{
		ReservationID:  f.uuid("reservation_id", req.ReservationID),
		GuestID:        f.uuid("guest_id", req.GuestID),
		PartnerID:      req.PartnerID,
		PartnerAccount: req.PartnerAccount,
		Description:    f.text("description", req.Description),
	}
	if !partnerPattern.MatchString(req.PartnerID) {
		f.add("partner_id", "required: 1 to 64 letters, digits, '.', '_' or '-'")
	}
	if !accountPattern.MatchString(req.PartnerAccount) {
		f.add("partner_account", "must be the partner's provider account, acct_...")
	}
	if a := f.amount("amount", req.Amount, true); a != nil {
		in.Amount = *a
	}
	return in, f.problem()
}

func parseCapture(body []byte) (*money.Amount, *problem.Problem) {
	var req captureRequest
	if p := httpedge.DecodeBody(body, &req); p != nil {
		return nil, p
	}
	var f fields
	a := f.amount("amount", req.Amount, false)
	return a, f.problem()
}

func parseVoid(body []byte) *problem.Problem {
	var req struct{}
	return httpedge.DecodeBody(body, &req)
}

func parseRefund(body []byte) (refundInput, *problem.Problem) {
	var req refundRequest
	if p := httpedge.DecodeBody(body, &req); p != nil {
		return refundInput{}, p
	}
	var f fields
	in := refundInput{Reason: req.Reason, Amount: f.amount("amount", req.Amount, false), DepartureDate: f.date("departure_date", req.DepartureDate)}
	if !refundReasons[req.Reason] {
		f.add("reason", "must be one of GUEST_CANCELLATION, OPERATOR_CANCELLATION, WEATHER_CANCELLATION, SERVICE_ISSUE, DUPLICATE_CHARGE, OTHER")
	}
	return in, f.problem()
}

func parseMethod(body []byte, now time.Time) (methodRequest, *problem.Problem) {
	var req methodRequest
	if p := httpedge.DecodeBody(body, &req); p != nil {
		return req, p
	}
	var f fields
	if !tokenPattern.MatchString(req.ProviderToken) {
		f.add("provider_token", "must be a payment provider token such as pm_...")
	}
	if !cardBrands[req.Brand] {
		f.add("brand", "must be one of visa, mastercard, amex, discover, diners, jcb, unionpay, unknown")
	}
	if !last4Pattern.MatchString(req.Last4) {
		f.add("last4", "must be the card's last four digits")
	}
	switch {
	case req.ExpMonth < 1 || req.ExpMonth > 12:
		f.add("exp_month", "must be 1 to 12")
	case req.ExpYear < 2000 || req.ExpYear > 2200:
		f.add("exp_year", "must be a four-digit year")
	case req.ExpYear*12+req.ExpMonth < now.Year()*12+int(now.Month()):
		f.add("exp_year", "the card has expired")
	}
	return req, f.problem()
}

func parseDispute(caseID string, body []byte) (disputeInput, *problem.Problem) {
	var req disputeRequest
	if p := httpedge.DecodeBody(body, &req); p != nil {
		return disputeInput{}, p
	}
	var f fields
	in := disputeInput{CaseID: caseID, Status: DisputeOpen, Note: f.text("note", req.Note)}
	if !casePattern.MatchString(caseID) {
		f.add("provider_case_id", "must be the provider's case id: 1 to 64 letters, digits, '_' or '-'")
	}
	if req.PaymentID != nil {
		if id := f.uuid("payment_id", *req.PaymentID); id != uuid.Nil {
			in.PaymentID = &id
		}
	}
	in.Amount = f.amount("amount", req.Amount, false)
	if req.Reason != nil {
		if !disputeReasons[*req.Reason] {
			f.add("reason", "must be one of FRAUDULENT, NOT_RECEIVED, NOT_AS_DESCRIBED, DUPLICATE, CREDIT_NOT_PROCESSED, OTHER")
		}
		in.Reason = req.Reason
	}
	if req.Status != nil {
		if !disputeStatuses[*req.Status] {
			f.add("status", "must be one of OPEN, EVIDENCE_SUBMITTED, UNDER_REVIEW, WON, LOST, ACCEPTED")
		}
		in.Status = *req.Status
	}
	if req.RespondBy != nil {
		t, err := time.Parse(time.RFC3339, *req.RespondBy)
		if err != nil {
			f.add("respond_by", "must be an RFC 3339 timestamp")
		} else {
			in.RespondBy = &t
		}
	}
	return in, f.problem()
}
