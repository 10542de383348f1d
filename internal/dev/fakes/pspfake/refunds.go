package pspfake

import (
	"net/http"
	"net/url"
	"strings"
)

type refundRec struct {
	ID            string            `json:"id"`
	Object        string            `json:"object"`
	Amount        int64             `json:"amount"`
	Currency      string            `json:"currency"`
	PaymentIntent string            `json:"payment_intent"`
	Status        string            `json:"status"`
	Reason        string            `json:"reason,omitempty"`
	Metadata      map[string]string `json:"metadata"`
}

type transferRec struct {
	ID            string            `json:"id"`
	Object        string            `json:"object"`
	Amount        int64             `json:"amount"`
	Currency      string            `json:"currency"`
	Destination   string            `json:"destination"`
	TransferGroup string            `json:"transfer_group,omitempty"`
	Metadata      map[string]string `json:"metadata"`
}

func (s *Server) createRefund(w http.ResponseWriter, r *http.Request) {
	s.serve(w, r, func(r *http.Request, form url.Values) (int, any) {
		id := form.Get("payment_intent")
		in, ok := s.intents[id]
		if !ok {
			return missing("payment_intent", id)
		}
		if in.pi.Status != "succeeded" {
			return unexpectedState(in, "refunded")
		}
		amount := in.pi.AmountReceived - in.refunded
		if form.Has("amount") {
			a, ok := positiveInt(form, "amount")
			if !ok {
				return invalid("amount", "Invalid positive integer")
			}
			amount = a
		}
		if amount <= 0 || in.refunded+amount > in.pi.AmountReceived {
			return http.StatusBadRequest, errorBody(apiError{Type: "invalid_request_error", Code: "charge_already_refunded",
				Param: "amount", Message: "Refund amount is greater than the unrefunded amount on the charge."})
		}
		switch reason := form.Get("reason"); reason {
		case "", "requested_by_customer", "duplicate", "fraudulent":
		default:
			return invalid("reason", "Invalid reason: "+reason)
		}
		in.refunded += amount
		rf := &refundRec{ID: newID("re"), Object: "refund", Amount: amount, Currency: in.pi.Currency,
			PaymentIntent: id, Status: "succeeded", Reason: form.Get("reason"), Metadata: metadata(form)}
		s.refunds[rf.ID] = rf
		s.refundCount.Add(1)
		return http.StatusOK, rf
	})
}

func (s *Server) createTransfer(w http.ResponseWriter, r *http.Request) {
	s.serve(w, r, func(r *http.Request, form url.Values) (int, any) {
		amount, ok := positiveInt(form, "amount")
		if !ok {
			return invalid("amount", "Invalid positive integer")
		}
		dest := form.Get("destination")
		if !strings.HasPrefix(dest, "acct_") {
			return missing("destination", dest)
		}
		cur := form.Get("currency")
		if len(cur) != 3 {
			return invalid("currency", "Invalid currency: "+cur)
		}
		tr := &transferRec{ID: newID("tr"), Object: "transfer", Amount: amount, Currency: cur, Destination: dest,
			TransferGroup: form.Get("transfer_group"), Metadata: metadata(form)}
		s.transfers[tr.ID] = tr
		s.transferCnt.Add(1)
		return http.StatusOK, tr
	})
}
