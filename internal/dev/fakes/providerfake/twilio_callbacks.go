package providerfake

import (
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
)

// TwilioCallbackForm builds the status callback Twilio posts for the accepted message sid
// reaching status ("sent", "delivered", "undelivered", "failed", ...); errorCode is added
// when non-empty (e.g. "30003" for undelivered).
func (t *Twilio) TwilioCallbackForm(sid, status, errorCode string) (url.Values, error) {
	m, ok := t.SMS(sid)
	if !ok {
		return nil, fmt.Errorf("providerfake: twilio accepted no message %s", sid)
	}
	form := url.Values{
		"AccountSid":    {t.cfg.AccountSID},
		"ApiVersion":    {"2010-04-01"},
		"MessageSid":    {m.SID},
		"MessageStatus": {status},
		"SmsSid":        {m.SID},
		"SmsStatus":     {status},
		"To":            {m.To},
	}
	if m.From != "" {
		form.Set("From", m.From)
	}
	if m.MessagingServiceSID != "" {
		form.Set("MessagingServiceSid", m.MessagingServiceSID)
	}
	if errorCode != "" {
		form.Set("ErrorCode", errorCode)
	}
	return form, nil
}

// SignedCallbackRequest returns a POST of form to callbackURL with X-Twilio-Signature as
// Twilio computes it: base64 HMAC-SHA1, keyed by the auth token, of the URL followed by
// the sorted parameter names and values.
func (t *Twilio) SignedCallbackRequest(ctx context.Context, callbackURL string, form url.Values) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, callbackURL, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, fmt.Errorf("providerfake: build callback request: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("User-Agent", "TwilioProxy/1.1")
	req.Header.Set("X-Twilio-Signature", twilioSign(t.cfg.AuthToken, callbackURL, form))
	return req, nil
}

func twilioSign(token, fullURL string, form url.Values) string {
	keys := make([]string, 0, len(form))
	for k := range form {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString(fullURL)
	for _, k := range keys {
		vs := append([]string(nil), form[k]...)
		sort.Strings(vs)
		for _, v := range vs {
			b.WriteString(k + v)
		}
	}
	mac := hmac.New(sha1.New, []byte(token))
	mac.Write([]byte(b.String()))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// EmitCallback posts the status callback for sid reaching status to the message's
// StatusCallback URL and reports what the endpoint answered.
func (t *Twilio) EmitCallback(ctx context.Context, sid, status, errorCode string) error {
	m, ok := t.SMS(sid)
	if !ok {
		return fmt.Errorf("providerfake: twilio accepted no message %s", sid)
	}
	if m.StatusCallback == "" {
		return errors.New("providerfake: message " + sid + " has no StatusCallback")
	}
	form, err := t.TwilioCallbackForm(sid, status, errorCode)
	if err != nil {
		return err
	}
	req, err := t.SignedCallbackRequest(ctx, m.StatusCallback, form)
	if err != nil {
		return err
	}
	return t.cbs.post(req)
}

func (t *Twilio) autoCallbacks(m SMS) {
	final, code := "delivered", ""
	if t.isUndeliverable(m.To) {
		final, code = "undelivered", "30003"
	}
	t.cbs.async(func(ctx context.Context) {
		if t.EmitCallback(ctx, m.SID, "sent", "") == nil {
			_ = t.EmitCallback(ctx, m.SID, final, code) // counted in CallbackStats
		}
	})
}
