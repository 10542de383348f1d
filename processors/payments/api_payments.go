package payments

import (
	"net/http"

	"github.com/google/uuid"

	"github.com/novatrek/support/internal/platform/problem"
)

// renderCreated renders a create request's outcome: 201 for a payment that went through,
// 402 saying why for a declined or fraud-blocked one.
func renderCreated(path string) func(v any) response {
	return func(v any) response {
		p := v.(*Payment)
		switch p.Status {
		case StatusDeclined:
			if p.Type == TypeCommission {
				return problemResponse(withInstance(problemPayoutRejected(p), path))
			}
			return problemResponse(withInstance(problem.New(http.StatusPaymentRequired, typeDeclined, "Payment declined",
				"The card issuer declined the payment ("+deref(p.DeclineCode)+"). Ask the guest for another payment method.").
				With("payment_id", p.ID).With("decline_code", deref(p.DeclineCode)), path))
		case StatusBlocked:
			pr := problem.New(http.StatusPaymentRequired, typeBlocked, "Payment blocked by fraud screening",
				"Fraud screening rejected the payment before authorization; nothing was charged.").
				With("payment_id", p.ID)
			if p.FraudScore != nil {
				pr.With("fraud_score", *p.FraudScore)
			}
			return problemResponse(withInstance(pr, path))
		}
		return jsonResponse(http.StatusCreated, viewPayment(p), "/v1/payments/"+p.ID.String())
	}
}

func renderPayment(v any) response { return jsonResponse(http.StatusOK, viewPayment(v.(*Payment)), "") }

func withInstance(p *problem.Problem, path string) *problem.Problem {
	p.Instance = path
	return p
}

func (a *api) handleDeposit(w http.ResponseWriter, r *http.Request, body []byte) {
	in, prob := parseDeposit(body)
	if prob != nil {
		problem.Write(w, r, prob)
		return
	}
	f := flowFrom(r)
	if f.correlation == uuid.Nil {
		f.correlation = uuid.New()
	}
	rs := a.responder(r, renderCreated(r.URL.Path))
	p, err := a.core.createDeposit(r.Context(), caller(r), keyOf(r), requestHash(r, body), in, freshKey(r), f, rs)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	rs.write(w, p)
}

func (a *api) handleCommission(w http.ResponseWriter, r *http.Request, body []byte) {
	in, prob := parseCommission(body)
	if prob != nil {
		problem.Write(w, r, prob)
		return
	}
	f := flowFrom(r)
	if f.correlation == uuid.Nil {
		f.correlation = uuid.New()
	}
	rs := a.responder(r, renderCreated(r.URL.Path))
	p, err := a.core.createCommission(r.Context(), caller(r), keyOf(r), requestHash(r, body), in, f, rs)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	rs.write(w, p)
}

func (a *api) handleGetPayment(w http.ResponseWriter, r *http.Request, _ []byte) {
	id, ok := pathUUID(w, r, "id", "payment")
	if !ok {
		return
	}
	p, err := getPayment(r.Context(), a.core.pool, id, false)
	if err != nil {
		if err == errNotFound {
			err = problemNotFound("payment", id)
		}
		a.fail(w, r, err)
		return
	}
	renderPayment(p).write(w)
}

func (a *api) handleListPayments(w http.ResponseWriter, r *http.Request, _ []byte) {
	id, ok := pathUUID(w, r, "id", "reservation")
	if !ok {
		return
	}
	ps, err := paymentsByReservation(r.Context(), a.core.pool, id)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	views := make([]paymentView, len(ps))
	for i, p := range ps {
		views[i] = viewPayment(p)
	}
	jsonResponse(http.StatusOK, map[string]any{"reservation_id": id, "payments": views}, "").write(w)
}

func (a *api) handleCapture(w http.ResponseWriter, r *http.Request, body []byte) {
	id, ok := pathUUID(w, r, "id", "payment")
	if !ok {
		return
	}
	amount, prob := parseCapture(body)
	if prob != nil {
		problem.Write(w, r, prob)
		return
	}
	rs := a.responder(r, renderPayment)
	p, err := a.core.capture(r.Context(), id, amount, flowFrom(r), rs)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	rs.write(w, p)
}

func (a *api) handleVoid(w http.ResponseWriter, r *http.Request, body []byte) {
	id, ok := pathUUID(w, r, "id", "payment")
	if !ok {
		return
	}
	if prob := parseVoid(body); prob != nil {
		problem.Write(w, r, prob)
		return
	}
	rs := a.responder(r, renderPayment)
	p, err := a.core.void(r.Context(), id, rs)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	rs.write(w, p)
}
