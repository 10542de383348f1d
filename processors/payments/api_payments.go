package payments

import (
	"net/http"

	"github.com/google/uuid"

	"github.com/novatrek/support/internal/platform/fault"
	"github.com/novatrek/support/internal/platform/idempotency"
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
				return problemResponse(withInstance(faultPayoutRejected(p).Problem(), path))
			}
			return problemResponse(withInstance(fault.Refused(slugDeclined, "Payment declined",
				"The card issuer declined the payment ("+deref(p.DeclineCode)+"). Ask the guest for another payment method.").
				With("payment_id", p.ID).With("decline_code", deref(p.DeclineCode)).Problem(), path))
		case StatusBlocked:
			f := fault.Refused(slugBlocked, "Payment blocked by fraud screening",
				"Fraud screening rejected the payment before authorization; nothing was charged.").
				With("payment_id", p.ID)
			if p.FraudScore != nil {
				f.With("fraud_score", *p.FraudScore)
			}
			return problemResponse(withInstance(f.Problem(), path))
		}
		return jsonResponse(http.StatusCreated, viewPayment(p), "/v1/payments/"+p.ID.String())
	}
}

func renderPayment(v any) response { return jsonResponse(http.StatusOK, viewPayment(v.(*Payment)), "") }

func withInstance(p *problem.Problem, path string) *problem.Problem {
	p.Instance = path
	return p
}

func (a *app) handleDeposit(w http.ResponseWriter, r *http.Request) error {
	body, err := readBody(r)
	if err != nil {
		return err
	}
	in, prob := parseDeposit(body)
	if prob != nil {
		return prob
	}
	f := flowFrom(r)
	if f.correlation == uuid.Nil {
		f.correlation = uuid.New()
	}
	rs := idempotency.NewResponder(r, renderCreated(r.URL.Path))
	p, err := a.core.createDeposit(r.Context(), caller(r), keyOf(r), requestHash(r, body), in, freshKey(r), f, rs)
	if err != nil {
		return err
	}
	rs.Write(w, p)
	return nil
}

func (a *app) handleCommission(w http.ResponseWriter, r *http.Request) error {
	body, err := readBody(r)
	if err != nil {
		return err
	}
	in, prob := parseCommission(body)
	if prob != nil {
		return prob
	}
	f := flowFrom(r)
	if f.correlation == uuid.Nil {
		f.correlation = uuid.New()
	}
	rs := idempotency.NewResponder(r, renderCreated(r.URL.Path))
	p, err := a.core.createCommission(r.Context(), caller(r), keyOf(r), requestHash(r, body), in, f, rs)
	if err != nil {
		return err
	}
	rs.Write(w, p)
	return nil
}

func (a *app) handleGetPayment(w http.ResponseWriter, r *http.Request) error {
	id, err := pathUUID(r, "id", "payment")
	if err != nil {
		return err
	}
	p, err := getPayment(r.Context(), a.core.pool, id, false)
	if err != nil {
		if err == errNotFound {
			err = faultNotFound("payment", id)
		}
		return err
	}
	write(w, renderPayment(p))
	return nil
}

func (a *app) handleListPayments(w http.ResponseWriter, r *http.Request) error {
	id, err := pathUUID(r, "id", "reservation")
	if err != nil {
		return err
	}
	ps, err := paymentsByReservation(r.Context(), a.core.pool, id)
	if err != nil {
		return err
	}
	views := make([]paymentView, len(ps))
	for i, p := range ps {
		views[i] = viewPayment(p)
	}
	write(w, jsonResponse(http.StatusOK, map[string]any{"reservation_id": id, "payments": views}, ""))
	return nil
}

func (a *app) handleCapture(w http.ResponseWriter, r *http.Request) error {
	body, err := readBody(r)
	if err != nil {
		return err
	}
	id, err := pathUUID(r, "id", "payment")
	if err != nil {
		return err
	}
	amount, prob := parseCapture(body)
	if prob != nil {
		return prob
	}
	rs := idempotency.NewResponder(r, renderPayment)
	p, err := a.core.capture(r.Context(), id, amount, flowFrom(r), rs)
	if err != nil {
		return err
	}
	rs.Write(w, p)
	return nil
}

func (a *app) handleVoid(w http.ResponseWriter, r *http.Request) error {
	body, err := readBody(r)
	if err != nil {
		return err
	}
	id, err := pathUUID(r, "id", "payment")
	if err != nil {
		return err
	}
	if prob := parseVoid(body); prob != nil {
		return prob
	}
	rs := idempotency.NewResponder(r, renderPayment)
	p, err := a.core.void(r.Context(), id, rs)
	if err != nil {
		return err
	}
	rs.Write(w, p)
	return nil
}
