package sendgrid

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/novatrek/support/processors/notifications/provider"
)

// The Event Webhook's signature headers.
const (
	SignatureHeader = "X-Twilio-Email-Event-Webhook-Signature"
	TimestampHeader = "X-Twilio-Email-Event-Webhook-Timestamp"
)

// VerifierConfig configures a Verifier.
type VerifierConfig struct {
	// PublicKey is the verification key from SendGrid's Mail Settings → Signed Event
	// Webhook: base64 of the DER (PKIX) encoding of an ECDSA P-256 public key. Required.
	PublicKey string
	// Tolerance, when positive, refuses posts whose timestamp is further than this from
	// now, so a captured post cannot be replayed later. Default 0: not checked, because
	// SendGrid retries a failed post for up to 24 hours and does not document whether a
	// retry is signed anew; replaying a status event is harmless (updates are idempotent
	// and a final status is never overwritten).
	Tolerance time.Duration
	// MaxBody bounds the body; default provider.DefaultMaxWebhookBody.
	MaxBody int64
	// Now is the clock for Tolerance; default time.Now.
	Now func() time.Time
}

// Verifier checks Event Webhook signatures. It is safe for concurrent use.
type Verifier struct {
	cfg VerifierConfig
	key *ecdsa.PublicKey
}

// NewVerifier parses the public key and returns a Verifier.
func NewVerifier(cfg VerifierConfig) (*Verifier, error) {
	key, err := ParsePublicKey(cfg.PublicKey)
	if err != nil {
		return nil, err
	}
	if cfg.Tolerance < 0 {
		return nil, errors.New("sendgrid: Tolerance must not be negative")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Verifier{cfg: cfg, key: key}, nil
}

// ParsePublicKey reads a verification key as SendGrid shows it (base64 DER, PKIX).
func ParsePublicKey(b64 string) (*ecdsa.PublicKey, error) {
	der, err := base64.StdEncoding.DecodeString(strings.TrimSpace(b64))
	if err != nil {
		return nil, fmt.Errorf("sendgrid: public key is not base64: %w", err)
	}
	pub, err := x509.ParsePKIXPublicKey(der)
	if err != nil {
		return nil, fmt.Errorf("sendgrid: parse public key: %w", err)
	}
	key, ok := pub.(*ecdsa.PublicKey)
	if !ok || key.Curve != elliptic.P256() {
		return nil, errors.New("sendgrid: public key is not an ECDSA P-256 key")
	}
	return key, nil
}

// Verify reads r's body, checks its signature and parses its events. A missing or wrong
// signature returns an error matching provider.ErrInvalidSignature (answer 401/403); a
// signed but unreadable body one matching provider.ErrMalformedWebhook (answer 400).
func (v *Verifier) Verify(r *http.Request) ([]Event, error) {
	body, err := provider.ReadWebhookBody(Name, r, v.cfg.MaxBody)
	if err != nil {
		return nil, err
	}
	if err := v.VerifyPayload(body, r.Header.Get(SignatureHeader), r.Header.Get(TimestampHeader)); err != nil {
		return nil, err
	}
	return ParseEvents(body)
}

// VerifyPayload checks signature (base64 ASN.1 DER ECDSA) over timestamp followed by
// payload.
func (v *Verifier) VerifyPayload(payload []byte, signature, timestamp string) error {
	if signature == "" || timestamp == "" {
		return provider.SignatureError(Name, "signature or timestamp header missing")
	}
	sig, err := base64.StdEncoding.DecodeString(signature)
	if err != nil {
		return provider.SignatureError(Name, "signature is not base64")
	}
	h := sha256.New()
	h.Write([]byte(timestamp))
	h.Write(payload)
	if !ecdsa.VerifyASN1(v.key, h.Sum(nil), sig) {
		return provider.SignatureError(Name, "signature does not match")
	}
	if v.cfg.Tolerance > 0 {
		secs, err := strconv.ParseInt(timestamp, 10, 64)
		if err != nil {
			return provider.SignatureError(Name, "timestamp is not Unix seconds")
		}
		if age := v.cfg.Now().Sub(time.Unix(secs, 0)); age > v.cfg.Tolerance || age < -v.cfg.Tolerance {
			return provider.SignatureError(Name, "timestamp outside tolerance")
		}
	}
	return nil
}
