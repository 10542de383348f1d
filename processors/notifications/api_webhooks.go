package notifications

import (
	"errors"
	"net/http"

	"github.com/novatrek/support/internal/problem"
	"github.com/novatrek/support/processors/notifications/provider"
	"github.com/novatrek/support/processors/notifications/provider/sendgrid"
)

// webhookFail answers a refused webhook: a bad signature is a 401 and nothing is read from
// the payload; a signed but unreadable payload is a 400.
func (a *api) webhookFail(w http.ResponseWriter, r *http.Request, err error) {
	switch {
	case errors.Is(err, provider.ErrInvalidSignature):
		a.log.WarnContext(r.Context(), "webhook refused", "route", r.Pattern, "err", err)
		problem.Write(w, r, problem.New(http.StatusUnauthorized, problem.TypeUnauthenticated, "Invalid signature",
			"The webhook signature is missing or does not match."))
	case errors.Is(err, provider.ErrMalformedWebhook):
		problem.Write(w, r, problem.Validation(err.Error()))
	default:
		a.fail(w, r, err)
	}
}

// handleSendGrid: POST /v1/webhooks/sendgrid, SendGrid's signed Event Webhook.
func (a *api) handleSendGrid(w http.ResponseWriter, r *http.Request) {
	events, err := a.sg.Verify(r)
	if err != nil {
		a.webhookFail(w, r, err)
		return
	}
	for _, u := range sendgrid.Updates(events) {
		if err := a.callbacks.apply(r.Context(), u); err != nil {
			a.fail(w, r, err) // 500: SendGrid retries the batch; updates are idempotent
			return
		}
	}
	w.WriteHeader(http.StatusNoContent)
}

// handleTwilio: POST /v1/webhooks/twilio, Twilio's signed status callback.
func (a *api) handleTwilio(w http.ResponseWriter, r *http.Request) {
	cb, err := a.tw.Verify(r)
	if err != nil {
		a.webhookFail(w, r, err)
		return
	}
	if u, ok := cb.Update(); ok {
		if err := a.callbacks.apply(r.Context(), u); err != nil {
			a.fail(w, r, err)
			return
		}
	}
	w.WriteHeader(http.StatusNoContent)
}
