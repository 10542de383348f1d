package notifications

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/novatrek/support/internal/dev/fakes/providerfake"
)

// sendGridWebhookPath is the route of the SendGrid event webhook (see api.go).
const sendGridWebhookPath = "/v1/webhooks/sendgrid"

// Providers are the resolved provider endpoints and credentials: from Config, or from the
// fakes Run started in-process.
type Providers struct {
	SendGridURL, SendGridAPIKey, SendGridWebhookKey string
	TwilioURL, TwilioAccountSID, TwilioAuthToken    string
	TwilioFrom                                      string
	FCMURL, FCMTokenURL, FCMCredentialsFile         string
	// PublicURL is Config.PublicURL; with the fakes and no Config.PublicURL, the URL of
	// the service's own callback listener (DevCallbacks).
	PublicURL string
	// Fakes is the in-process fake stack; nil with real providers.
	Fakes *providerfake.Server
	// DevCallbacks serves the webhooks to the fakes when Config.PublicURL is unset; nil
	// otherwise.
	DevCallbacks *devCallbacks
}

// resolveProviders returns cfg's providers, or starts the fakes when a provider URL is
// unset (dev), with a warning. The returned func stops the fakes.
func resolveProviders(cfg Config, log *slog.Logger) (Providers, func(), error) {
	p := Providers{
		SendGridURL: cfg.SendGridURL, SendGridAPIKey: cfg.SendGridAPIKey, SendGridWebhookKey: cfg.SendGridWebhookKey,
		TwilioURL: cfg.TwilioURL, TwilioAccountSID: cfg.TwilioAccountSID, TwilioAuthToken: cfg.TwilioAuthToken,
		TwilioFrom: cfg.TwilioFrom, FCMURL: cfg.FCMURL, FCMCredentialsFile: cfg.FCMCredentialsFile, PublicURL: cfg.PublicURL,
	}
	if !cfg.useFakes() {
		return p, func() {}, nil
	}
	// The fake SendGrid posts signed events about every accepted message to our webhook,
	// and Twilio sends get a StatusCallback: at PublicURL when set, else at the service's
	// own loopback callback listener (see devCallbacks for why not the service's address).
	if p.PublicURL == "" {
		dc, err := listenDevCallbacks()
		if err != nil {
			return Providers{}, nil, err
		}
		p.PublicURL, p.DevCallbacks = dc.URL(), dc
		log.Info("NOTIFICATIONS_PUBLIC_URL is unset: the fake providers call back on the service's own loopback listener", "url", p.PublicURL)
	}
	var stack providerfake.StackConfig
	stack.SendGrid.EventWebhookURL = strings.TrimRight(p.PublicURL, "/") + sendGridWebhookPath
	stack.SendGrid.AutoEvents = true
	srv, err := providerfake.Listen("127.0.0.1:0", stack)
	if err != nil {
		if p.DevCallbacks != nil {
			p.DevCallbacks.close()
		}
		return Providers{}, nil, fmt.Errorf("notifications: start the fake providers: %w", err)
	}
	u := srv.BaseURLs()
	p.SendGridURL, p.SendGridAPIKey, p.SendGridWebhookKey = u.SendGrid, "fake-sendgrid-key", srv.SendGrid.PublicKey()
	p.TwilioURL, p.TwilioAccountSID, p.TwilioAuthToken = u.Twilio, srv.Twilio.AccountSID(), srv.Twilio.AuthToken()
	if p.TwilioFrom == "" {
		p.TwilioFrom = "+15005550006"
	}
	if p.FCMURL == "" {
		p.FCMURL, p.FCMTokenURL = u.FCM, u.FCMToken
	}
	p.Fakes = srv
	log.Warn("NOTIFICATIONS_SENDGRID_URL or NOTIFICATIONS_TWILIO_URL is unset: using the built-in fake providers (dev only: nothing reaches anyone)",
		"url", srv.URL)
	return p, func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Close(ctx)
		if p.DevCallbacks != nil {
			p.DevCallbacks.close()
		}
	}, nil
}
