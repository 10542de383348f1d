package notifications

import (
	"errors"
	"net/http"
	"strings"

	"github.com/novatrek/support/internal/platform/fault"
	"github.com/novatrek/support/internal/platform/problem"
	"github.com/novatrek/support/processors/notifications/provider"
	"github.com/novatrek/support/processors/notifications/provider/sendgrid"
)

// The provider webhooks' routes; the fakes call back on them.
const (
	sendGridWebhookPath = "/v1/webhooks/sendgrid"
	twilioCallbackPath  = "/v1/webhooks/twilio"
)

// twilioCallbackURL is where Twilio posts a message's status, under publicURL (Twilio signs
// the full URL); "" without a public URL: no status callbacks.
func twilioCallbackURL(publicURL string) string {
	if publicURL == "" {
		return ""
	}
	return strings.TrimRight(publicURL, "/") + twilioCallbackPath
}

// webhookRefused is the error of a refused webhook: a bad signature is a 401 (nothing was
// read from the payload), a signed but unreadable payload a 400; anything else as it is.
func (a *app) webhookRefused(r *http.Request, err error) error {
	switch {
	case errors.Is(err, provider.ErrInvalidSignature):
		a.log.WarnContext(r.Context(), "webhook refused", "route", r.Pattern, "err", err)
		return problem.New(http.StatusUnauthorized, problem.TypeUnauthenticated, "Invalid signature",
			"The webhook signature is missing or does not match.")
	case errors.Is(err, provider.ErrMalformedWebhook):
		return fault.Invalid(err.Error())
	}
	return err
}

// callbackInFlight is the answer to a callback about a message whose send is not recorded
// yet (errInFlight): 503 with Retry-After, so the provider posts it again later instead of
// the status being lost.
func callbackInFlight(err error) error {
	return fault.Unavailable("", "Temporarily unavailable",
		"The message this callback is about is still being sent; retry later.").Because(err)
}

// handleSendGrid: POST /v1/webhooks/sendgrid, SendGrid's signed Event Webhook.
func (a *app) handleSendGrid(w http.ResponseWriter, r *http.Request) error {
	events, err := a.sg.Verify(r)
	if err != nil {
		return a.webhookRefused(r, err)
	}
	// Every update is applied even when one is in flight: SendGrid retries the whole batch
	// on a non-2xx answer, and the ones already applied are then no-ops. The updates about
	// one notification (a message's "processed" and "delivered") share a transaction, in
	// the provider's order (byNotification).
	var inFlight error
	for _, us := range byNotification(sendgrid.Updates(events)) {
		err := a.callbacks.applyWaiting(r.Context(), us...)
		switch {
		case errors.Is(err, errInFlight):
			inFlight = err
		case err != nil:
			return err // 500: SendGrid retries the batch; updates are idempotent
		}
	}
	if inFlight != nil {
		return callbackInFlight(inFlight)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// handleTwilio: POST /v1/webhooks/twilio, Twilio's signed status callback.
func (a *app) handleTwilio(w http.ResponseWriter, r *http.Request) error {
	cb, err := a.tw.Verify(r)
	if err != nil {
		return a.webhookRefused(r, err)
	}
	if u, ok := cb.Update(); ok {
		err := a.callbacks.applyWaiting(r.Context(), u)
		switch {
		case errors.Is(err, errInFlight):
			return callbackInFlight(err)
		case err != nil:
			return err
		}
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
