package providerfake

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// SendGrid event-webhook headers.
const (
	sgSignatureHeader = "X-Twilio-Email-Event-Webhook-Signature"
	sgTimestampHeader = "X-Twilio-Email-Event-Webhook-Timestamp"
)

// SendGridEvent builds the webhook event kind ("processed", "delivered", "bounce",
// "dropped", "deferred", "open", ...) for the accepted message with X-Message-Id id, as
// SendGrid would post it: its custom args copied to the top level.
func (s *SendGrid) SendGridEvent(id, kind string) (map[string]any, error) {
	e, ok := s.Email(id)
	if !ok {
		return nil, fmt.Errorf("providerfake: sendgrid accepted no message %s", id)
	}
	ev := map[string]any{}
	for k, v := range e.CustomArgs {
		ev[k] = v
	}
	ev["email"] = e.To
	ev["timestamp"] = time.Now().Unix()
	ev["event"] = kind
	ev["sg_event_id"] = b64ID(16)
	ev["sg_message_id"] = id + ".filterdrecv-fake-1-" + hexID("", 4) + ".0"
	ev["smtp-id"] = "<" + id + "@ismtpd0001p1las1.sendgrid.net>"
	switch kind {
	case "delivered":
		ev["response"] = "250 2.0.0 OK"
	case "deferred":
		ev["response"] = "421 4.7.0 Try again later"
		ev["attempt"] = "1"
	case "bounce":
		ev["type"] = "bounce"
		ev["status"] = "5.1.1"
		ev["reason"] = "550 5.1.1 The email account that you tried to reach does not exist."
		ev["bounce_classification"] = "Invalid Address"
	case "dropped":
		ev["reason"] = "Bounced Address"
	case "open":
		ev["useragent"] = "Mozilla/5.0"
		ev["ip"] = "192.0.2.1"
	}
	return ev, nil
}

// SignedEventRequest returns a POST of events to url, signed as SendGrid signs it: ECDSA
// P-256 over SHA-256 of the timestamp followed by the body, base64 ASN.1 DER.
func (s *SendGrid) SignedEventRequest(ctx context.Context, url string, events []map[string]any) (*http.Request, error) {
	body, err := json.Marshal(events)
	if err != nil {
		return nil, fmt.Errorf("providerfake: encode events: %w", err)
	}
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	sig, err := s.sign(ts, body)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("providerfake: build event request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "SendGrid Event API")
	req.Header.Set(sgSignatureHeader, sig)
	req.Header.Set(sgTimestampHeader, ts)
	return req, nil
}

func (s *SendGrid) sign(ts string, body []byte) (string, error) {
	h := sha256.New()
	h.Write([]byte(ts))
	h.Write(body)
	sig, err := ecdsa.SignASN1(rand.Reader, s.key, h.Sum(nil))
	if err != nil {
		return "", fmt.Errorf("providerfake: sign events: %w", err)
	}
	return base64.StdEncoding.EncodeToString(sig), nil
}

// EmitEvents posts one event of each kind, in one signed batch, about the accepted
// message with X-Message-Id id to the event webhook, and reports what the webhook
// answered.
func (s *SendGrid) EmitEvents(ctx context.Context, id string, kinds ...string) error {
	s.mu.Lock()
	hook := s.hook
	s.mu.Unlock()
	if hook == "" {
		return errors.New("providerfake: sendgrid has no event webhook URL")
	}
	events := make([]map[string]any, 0, len(kinds))
	for _, k := range kinds {
		ev, err := s.SendGridEvent(id, k)
		if err != nil {
			return err
		}
		events = append(events, ev)
	}
	req, err := s.SignedEventRequest(ctx, hook, events)
	if err != nil {
		return err
	}
	return s.cbs.post(req)
}

func (s *SendGrid) autoEvents(e Email) {
	final := "delivered"
	if s.isUndeliverable(e.To) {
		final = "bounce"
	}
	s.cbs.async(func(ctx context.Context) {
		_ = s.EmitEvents(ctx, e.XMessageID, "processed", final) // counted in CallbackStats
	})
}
