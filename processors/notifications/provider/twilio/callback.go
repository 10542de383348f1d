package twilio

import (
	"crypto/hmac"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/novatrek/support/processors/notifications/provider"
)

// StatusCallback is one status callback about one message.
type StatusCallback struct {
	// MessageSID is the message's sid (SM… or MM…), as Result.ID had it.
	MessageSID string
	// MessageStatus is Twilio's status: queued, accepted, scheduled, sending, sent,
	// delivered, undelivered, failed, read, canceled.
	MessageStatus string
	// ErrorCode is Twilio's error code for undelivered and failed, e.g. "30003".
	ErrorCode string
	// ErrorMessage is set by some carriers' callbacks.
	ErrorMessage string
	AccountSID   string
	From         string
	To           string
	// Ref is our Message.ID, from RefParam in the callback URL's query.
	Ref string
}

// ParseStatusCallback reads a status callback from its POST params and its URL's query.
// It returns an ErrMalformedWebhook when MessageSid or MessageStatus is missing; it never
// panics on any input.
func ParseStatusCallback(form, query url.Values) (StatusCallback, error) {
	cb := StatusCallback{
		MessageSID:    form.Get("MessageSid"),
		MessageStatus: form.Get("MessageStatus"),
		ErrorCode:     form.Get("ErrorCode"),
		ErrorMessage:  form.Get("ErrorMessage"),
		AccountSID:    form.Get("AccountSid"),
		From:          form.Get("From"),
		To:            form.Get("To"),
		Ref:           query.Get(RefParam),
	}
	// Older callbacks name the fields SmsSid and SmsStatus.
	if cb.MessageSID == "" {
		cb.MessageSID = form.Get("SmsSid")
	}
	if cb.MessageStatus == "" {
		cb.MessageStatus = form.Get("SmsStatus")
	}
	if cb.MessageSID == "" || cb.MessageStatus == "" {
		return StatusCallback{}, provider.MalformedError(Name, "MessageSid or MessageStatus missing")
	}
	return cb, nil
}

// Update translates the callback into a status update. It returns false for statuses that
// say nothing about an outbound delivery (receiving, received, unknown words).
func (cb StatusCallback) Update() (provider.StatusUpdate, bool) {
	var st provider.Status
	switch cb.MessageStatus {
	case "queued", "accepted", "scheduled":
		st = provider.StatusQueued
	case "sending", "sent":
		st = provider.StatusSent
	case "delivered":
		st = provider.StatusDelivered
	case "read":
		st = provider.StatusOpened
	case "undelivered", "failed":
		st = provider.StatusFailed
	case "canceled":
		st = provider.StatusDropped
	default:
		return provider.StatusUpdate{}, false
	}
	var reason string
	if cb.ErrorCode != "" && cb.ErrorCode != "0" {
		reason = strings.TrimSpace("error " + cb.ErrorCode + " " + cb.ErrorMessage)
	}
	return provider.StatusUpdate{
		Provider:          Name,
		ProviderMessageID: cb.MessageSID,
		Ref:               cb.Ref,
		EventID:           cb.MessageSID + ":" + cb.MessageStatus,
		Status:            st,
		ProviderStatus:    cb.MessageStatus,
		Reason:            reason,
	}, true
}

// CallbackVerifierConfig configures a CallbackVerifier.
type CallbackVerifierConfig struct {
	// AuthToken is the account's auth token: Twilio signs callbacks with it even when the
	// messages were sent with an API key. Required.
	AuthToken provider.Secret
	// PublicURL is the scheme and host (and any path prefix a proxy strips) under which
	// Twilio reaches us, e.g. "https://api.novatrek.example"; the request's path and query
	// are appended to it. Default: the scheme and Host of the request as it arrived, right
	// when nothing rewrites it on the way.
	PublicURL string
	// MaxBody bounds the body; default provider.DefaultMaxWebhookBody.
	MaxBody int64
}

// CallbackVerifier checks status-callback signatures. It is safe for concurrent use.
type CallbackVerifier struct {
	cfg CallbackVerifierConfig
}

// NewCallbackVerifier checks cfg and returns a CallbackVerifier.
func NewCallbackVerifier(cfg CallbackVerifierConfig) (*CallbackVerifier, error) {
	if cfg.AuthToken.IsZero() {
		return nil, errors.New("twilio: AuthToken is required")
	}
	if cfg.PublicURL != "" {
		if err := validURL("PublicURL", cfg.PublicURL); err != nil {
			return nil, err
		}
		cfg.PublicURL = strings.TrimRight(cfg.PublicURL, "/")
	}
	return &CallbackVerifier{cfg: cfg}, nil
}

// Verify reads r's form body, checks X-Twilio-Signature and parses the callback. A missing
// or wrong signature returns an error matching provider.ErrInvalidSignature (answer 403, as
// Twilio's docs do); a signed callback without MessageSid or MessageStatus one matching
// provider.ErrMalformedWebhook.
func (v *CallbackVerifier) Verify(r *http.Request) (StatusCallback, error) {
	if r.Method != http.MethodPost {
		return StatusCallback{}, provider.MalformedError(Name, "status callbacks are POSTs")
	}
	body, err := provider.ReadWebhookBody(Name, r, v.cfg.MaxBody)
	if err != nil {
		return StatusCallback{}, err
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return StatusCallback{}, provider.SignatureError(Name, "body is not a form")
	}
	sig := r.Header.Get(SignatureHeader)
	if sig == "" {
		return StatusCallback{}, provider.SignatureError(Name, "X-Twilio-Signature missing")
	}
	fullURL := v.requestURL(r)
	if !v.matches(sig, fullURL, form) {
		return StatusCallback{}, provider.SignatureError(Name, "signature does not match")
	}
	return ParseStatusCallback(form, r.URL.Query())
}

func (v *CallbackVerifier) matches(sig, fullURL string, form url.Values) bool {
	for _, u := range urlVariants(fullURL) {
		want := Signature(v.cfg.AuthToken, u, form)
		if hmac.Equal([]byte(want), []byte(sig)) {
			return true
		}
	}
	return false
}

// requestURL rebuilds the URL Twilio called. It uses the request target exactly as it
// arrived (r.RequestURI), not r.URL, which a router may have rewritten (StripPrefix) and
// which re-escapes the path.
func (v *CallbackVerifier) requestURL(r *http.Request) string {
	target := r.RequestURI
	switch {
	case target == "": // a client-side request, as in tests
		target = r.URL.RequestURI()
	case !strings.HasPrefix(target, "/"): // absolute form, "http://host/path?q"
		if u, err := url.Parse(target); err == nil && u.Host != "" {
			target = strings.TrimPrefix(target, u.Scheme+"://"+u.Host)
		}
	}
	if v.cfg.PublicURL != "" {
		return v.cfg.PublicURL + target
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return fmt.Sprintf("%s://%s%s", scheme, r.Host, target)
}
