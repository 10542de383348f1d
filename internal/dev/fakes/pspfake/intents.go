package pspfake

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

type intent struct {
	pi       paymentIntent
	refunded int64
}

type paymentIntent struct {
	ID               string            `json:"id"`
	Object           string            `json:"object"`
	Amount           int64             `json:"amount"`
	AmountCapturable int64             `json:"amount_capturable"`
	AmountReceived   int64             `json:"amount_received"`
	Currency         string            `json:"currency"`
	Status           string            `json:"status"`
	CaptureMethod    string            `json:"capture_method"`
	PaymentMethod    string            `json:"payment_method"`
	Description      string            `json:"description,omitempty"`
	LatestCharge     *charge           `json:"latest_charge,omitempty"`
	Metadata         map[string]string `json:"metadata"`
	Created          int64             `json:"created"`
}

type charge struct {
	ID                   string `json:"id"`
	PaymentMethodDetails struct {
		Type string `json:"type"`
		Card card   `json:"card"`
	} `json:"payment_method_details"`
}

type card struct {
	Brand    string `json:"brand"`
	Last4    string `json:"last4"`
	ExpMonth int    `json:"exp_month"`
	ExpYear  int    `json:"exp_year"`
}

// testCard is what a test token stands for: a card, or a decline.
type testCard struct {
	card        card
	code        string // error code of a decline
	declineCode string
}

var testCards = map[string]testCard{
	"pm_card_visa":                            {card: card{"visa", "4242", 12, 2034}},
	"pm_card_mastercard":                      {card: card{"mastercard", "4444", 12, 2034}},
	"pm_card_amex":                            {card: card{"amex", "8431", 12, 2034}},
	"pm_card_chargeDeclined":                  {card: card{"visa", "0002", 12, 2034}, code: "card_declined", declineCode: "generic_decline"},
	"pm_card_chargeDeclinedInsufficientFunds": {card: card{"visa", "9995", 12, 2034}, code: "card_declined", declineCode: "insufficient_funds"},
	"pm_card_chargeDeclinedFraudulent":        {card: card{"visa", "0019", 12, 2034}, code: "card_declined", declineCode: "fraudulent"},
	"pm_card_chargeDeclinedExpiredCard":       {card: card{"visa", "0069", 12, 2020}, code: "expired_card", declineCode: "expired_card"},
}

func lookupCard(token string) (testCard, bool) {
	if c, ok := testCards[token]; ok {
		return c, true
	}
	if strings.HasPrefix(token, "pm_") {
		return testCard{card: card{"visa", "4242", 12, 2034}}, true
	}
	return testCard{}, false
}

func metadata(form url.Values) map[string]string {
	md := map[string]string{}
	for k, vs := range form {
		if strings.HasPrefix(k, "metadata[") && strings.HasSuffix(k, "]") && len(vs) > 0 {
			md[k[len("metadata["):len(k)-1]] = vs[0]
		}
	}
	return md
}

func positiveInt(form url.Values, name string) (int64, bool) {
	n, err := strconv.ParseInt(form.Get(name), 10, 64)
	return n, err == nil && n > 0
}

func invalid(param, msg string) (int, any) {
	return http.StatusBadRequest, errorBody(apiError{Type: "invalid_request_error", Param: param, Message: msg})
}

func missing(kind, id string) (int, any) {
	return http.StatusNotFound, errorBody(apiError{Type: "invalid_request_error", Code: "resource_missing", Message: "No such " + kind + ": '" + id + "'"})
}

func unexpectedState(in *intent, action string) (int, any) {
	return http.StatusBadRequest, errorBody(apiError{Type: "invalid_request_error", Code: "payment_intent_unexpected_state",
		Message: "This PaymentIntent could not be " + action + " because it has a status of " + in.pi.Status + ".", PaymentIntent: in.pi})
}

func (s *Server) createIntent(w http.ResponseWriter, r *http.Request) {
	s.serve(w, r, func(r *http.Request, form url.Values) (int, any) {
		amount, ok := positiveInt(form, "amount")
		if !ok {
			return invalid("amount", "Invalid positive integer")
		}
		cur := form.Get("currency")
		if len(cur) != 3 || cur != strings.ToLower(cur) {
			return invalid("currency", "Invalid currency: "+cur)
		}
		token := form.Get("payment_method")
		tc, ok := lookupCard(token)
		if !ok {
			return missing("PaymentMethod", token)
		}
		in := &intent{pi: paymentIntent{
			ID: newID("pi"), Object: "payment_intent", Amount: amount, Currency: cur,
			CaptureMethod: form.Get("capture_method"), PaymentMethod: token,
			Description: form.Get("description"), Metadata: metadata(form),
		}}
		if in.pi.CaptureMethod == "" {
			in.pi.CaptureMethod = "automatic"
		}
		s.intents[in.pi.ID] = in
		if code, ok := s.declineBySum[amount]; ok && tc.code == "" {
			tc.code, tc.declineCode = "card_declined", code
		}
		if tc.code != "" {
			in.pi.Status = "requires_payment_method"
			return http.StatusPaymentRequired, errorBody(apiError{Type: "card_error", Code: tc.code, DeclineCode: tc.declineCode,
				Message: "Your card was declined.", PaymentIntent: in.pi})
		}
		ch := &charge{ID: newID("ch")}
		ch.PaymentMethodDetails.Type = "card"
		ch.PaymentMethodDetails.Card = tc.card
		in.pi.LatestCharge = ch
		s.authorizes.Add(1)
		if in.pi.CaptureMethod == "manual" {
			in.pi.Status = "requires_capture"
			in.pi.AmountCapturable = amount
		} else {
			in.pi.Status = "succeeded"
			in.pi.AmountReceived = amount
			s.captures.Add(1)
			s.capturedSum.Add(amount)
		}
		return http.StatusOK, in.pi
	})
}

func (s *Server) captureIntent(w http.ResponseWriter, r *http.Request) {
	s.serve(w, r, func(r *http.Request, form url.Values) (int, any) {
		id := r.PathValue("id")
		in, ok := s.intents[id]
		if !ok {
			return missing("payment_intent", id)
		}
		if in.pi.Status != "requires_capture" {
			return unexpectedState(in, "captured")
		}
		amount := in.pi.AmountCapturable
		if form.Has("amount_to_capture") {
			a, ok := positiveInt(form, "amount_to_capture")
			if !ok {
				return invalid("amount_to_capture", "Invalid positive integer")
			}
			if a > in.pi.AmountCapturable {
				return http.StatusBadRequest, errorBody(apiError{Type: "invalid_request_error", Code: "amount_too_large",
					Param: "amount_to_capture", Message: "The amount to capture exceeds the amount capturable."})
			}
			amount = a
		}
		in.pi.Status = "succeeded"
		in.pi.AmountReceived = amount
		in.pi.AmountCapturable = 0
		s.captures.Add(1)
		s.capturedSum.Add(amount)
		return http.StatusOK, in.pi
	})
}

func (s *Server) cancelIntent(w http.ResponseWriter, r *http.Request) {
	s.serve(w, r, func(r *http.Request, form url.Values) (int, any) {
		id := r.PathValue("id")
		in, ok := s.intents[id]
		if !ok {
			return missing("payment_intent", id)
		}
		if in.pi.Status != "requires_capture" && in.pi.Status != "requires_payment_method" {
			return unexpectedState(in, "canceled")
		}
		in.pi.Status = "canceled"
		in.pi.AmountCapturable = 0
		s.cancels.Add(1)
		return http.StatusOK, in.pi
	})
}
