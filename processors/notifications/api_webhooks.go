package notifications

import (
	"errors"
	"net/http"

	"github.com/novatrek/support/internal/platform/problem"
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

// callbackInFlight answers a callback about a message whose send is not recorded yet
// (errInFlight) with 503 and Retry-After, so the provider posts it again later instead of
// the status being lost.
func (a *api) callbackInFlight(w http.ResponseWriter, r *http.Request, err error) {
	a.log.InfoContext(r.Context(), "provider callback before its send was recorded: asking for a retry", "route", r.Pattern, "err", err)
	w.Header().Set("Retry-After", "5")
	problem.Write(w, r, problem.Unavailable("The message this callback is about is still being sent; retry later."))
}

// handleSendGrid: POST /v1/webhooks/sendgrid, SendGrid's signed Event Webhook.
func (a *api) handleSendGrid(w http.ResponseWriter, r *http.Request) {
	events, err := a.sg.Verify(r)
	if err != nil {
		a.webhookFail(w, r, err)
		return
	}
	// Every update is applied even when one is in flight: SendGrid retries the whole batch
	// on a non-2xx answer, and the ones already applied are then no-ops.
	var inFlight error
	for _, u := range sendgrid.Updates(events) {
		err := a.callbacks.applyWaiting(r.Context(), u)
		switch {
		case errors.Is(err, errInFlight):
			inFlight = err
		case err != nil:
			a.fail(w, r, err) // 500: SendGrid retries the batch; updates are idempotent
			return
		}
	}
	if inFlight != nil {
		a.callbackInFlight(w, r, inFlight)
		return
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
		err := a.callbacks.applyWaiting(r.Context(), u)
		switch {
		case errors.Is(err, errInFlight):
			a.callbackInFlight(w, r, err)
			return
		case err != nil:
			a.fail(w, r, err)
			return
		}
	}
	w.WriteHeader(http.StatusNoContent)
}
