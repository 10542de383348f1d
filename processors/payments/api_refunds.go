package payments

import (
	"errors"
	"net/http"

	"github.com/novatrek/support/internal/platform/fault"
	"github.com/novatrek/support/internal/platform/idempotency"
)

func renderRefundCreated(path string) func(v any) response {
	return func(v any) response {
		r := v.(*Refund)
		if r.Status == RefundFailed {
			return problemResponse(withInstance(fault.Unprocessable(slugRefundRejected, "Refund rejected by the provider",
				"The payment provider refused the refund ("+deref(r.FailureReason)+"); nothing was refunded.").
				With("refund_id", r.ID).With("provider_code", deref(r.FailureReason)).Problem(), path))
		}
		return jsonResponse(http.StatusCreated, viewRefund(r), "/v1/refunds/"+r.ID.String())
	}
}

func (a *app) handleRefund(w http.ResponseWriter, r *http.Request) error {
	body, err := readBody(r)
	if err != nil {
		return err
	}
	id, err := pathUUID(r, "id", "payment")
	if err != nil {
		return err
	}
	in, prob := parseRefund(body)
	if prob != nil {
		return prob
	}
	rs := idempotency.NewResponder(r, renderRefundCreated(r.URL.Path))
	rf, err := a.core.createRefund(r.Context(), id, caller(r), keyOf(r), requestHash(r, body), in, flowFrom(r), rs)
	if err != nil {
		return err
	}
	rs.Write(w, rf)
	return nil
}

func (a *app) handleGetRefund(w http.ResponseWriter, r *http.Request) error {
	id, err := pathUUID(r, "id", "refund")
	if err != nil {
		return err
	}
	rf, err := getRefund(r.Context(), a.core.pool, id)
	if errors.Is(err, errNotFound) {
		err = faultNotFound("refund", id)
	}
	if err != nil {
		return err
	}
	write(w, jsonResponse(http.StatusOK, viewRefund(rf), ""))
	return nil
}
