package payments

import (
	"errors"
	"net/http"

	"github.com/novatrek/support/internal/platform/problem"
)

func renderRefundCreated(path string) func(v any) response {
	return func(v any) response {
		r := v.(*Refund)
		if r.Status == RefundFailed {
			return problemResponse(withInstance(problem.Unprocessable(typeRefundRejected, "Refund rejected by the provider",
				"The payment provider refused the refund ("+deref(r.FailureReason)+"); nothing was refunded.").
				With("refund_id", r.ID).With("provider_code", deref(r.FailureReason)), path))
		}
		return jsonResponse(http.StatusCreated, viewRefund(r), "/v1/refunds/"+r.ID.String())
	}
}

func (a *api) handleRefund(w http.ResponseWriter, r *http.Request, body []byte) {
	id, ok := pathUUID(w, r, "id", "payment")
	if !ok {
		return
	}
	in, prob := parseRefund(body)
	if prob != nil {
		problem.Write(w, r, prob)
		return
	}
	rs := a.responder(r, renderRefundCreated(r.URL.Path))
	rf, err := a.core.createRefund(r.Context(), id, caller(r), keyOf(r), requestHash(r, body), in, flowFrom(r), rs)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	rs.write(w, rf)
}

func (a *api) handleGetRefund(w http.ResponseWriter, r *http.Request, _ []byte) {
	id, ok := pathUUID(w, r, "id", "refund")
	if !ok {
		return
	}
	rf, err := getRefund(r.Context(), a.core.pool, id)
	if errors.Is(err, errNotFound) {
		err = problemNotFound("refund", id)
	}
	if err != nil {
		a.fail(w, r, err)
		return
	}
	jsonResponse(http.StatusOK, viewRefund(rf), "").write(w)
}
