package providerfake

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/mail"
	"strconv"
	"sync"
	"time"
)

// SendGridConfig configures a SendGrid fake.
type SendGridConfig struct {
	// APIKey is the key the fake accepts; empty accepts any bearer token.
	APIKey string
	// EventWebhookURL is where events are posted; empty: nowhere (set it later with
	// SetEventWebhook).
	EventWebhookURL string
	// AutoEvents posts "processed" and "delivered" (or "bounce" for an Undeliverable
	// recipient) for every accepted message, in the background.
	AutoEvents bool
	// HTTPClient posts the events; default a client with a 10s timeout.
	HTTPClient *http.Client
}

// Email is a message the SendGrid fake accepted.
type Email struct {
	XMessageID string
	To         string
	From       string
	Subject    string
	Text, HTML string
	CustomArgs map[string]string
	Sandbox    bool
	At         time.Time
}

// SendGrid is a fake of SendGrid's v3 Mail Send API and its signed Event Webhook.
type SendGrid struct {
	Faults
	Recorder

	cfg  SendGridConfig
	key  *ecdsa.PrivateKey
	pub  string
	cbs  *callbacks
	mux  *http.ServeMux
	mu   sync.Mutex
	hook string
	sent map[string]Email // by X-Message-Id
}

// NewSendGrid returns a SendGrid fake with a fresh ECDSA P-256 event-signing key.
func NewSendGrid(cfg SendGridConfig) (*SendGrid, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("providerfake: generate sendgrid signing key: %w", err)
	}
	der, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		return nil, fmt.Errorf("providerfake: encode sendgrid public key: %w", err)
	}
	s := &SendGrid{
		cfg: cfg, key: key, pub: base64.StdEncoding.EncodeToString(der),
		cbs: newCallbacks(cfg.HTTPClient), mux: http.NewServeMux(),
		hook: cfg.EventWebhookURL, sent: map[string]Email{},
	}
	s.mux.HandleFunc("POST /v3/mail/send", s.send)
	return s, nil
}

// ServeHTTP serves the API.
func (s *SendGrid) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// PublicKey is the event-webhook verification key as SendGrid shows it: base64 DER (PKIX).
func (s *SendGrid) PublicKey() string { return s.pub }

// SetEventWebhook sets where events are posted.
func (s *SendGrid) SetEventWebhook(url string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hook = url
}

// Email returns the accepted message with X-Message-Id id.
func (s *SendGrid) Email(id string) (Email, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.sent[id]
	return e, ok
}

// CallbackStats counts the event posts.
func (s *SendGrid) CallbackStats() CallbackStats { return s.cbs.stats() }

// DrainCallbacks waits until the automatic callbacks of the messages accepted so far
// have been posted. Call it once no more messages are being sent.
func (s *SendGrid) DrainCallbacks() { s.cbs.drain() }

// Close stops background event posts and waits for those in flight.
func (s *SendGrid) Close() { s.cbs.close() }

// sgMail is the part of a Mail Send body the fake checks.
type sgMail struct {
	Personalizations []struct {
		To []struct {
			Email string `json:"email"`
			Name  string `json:"name"`
		} `json:"to"`
	} `json:"personalizations"`
	From struct {
		Email string `json:"email"`
	} `json:"from"`
	Subject string `json:"subject"`
	Content []struct {
		Type  string `json:"type"`
		Value string `json:"value"`
	} `json:"content"`
	CustomArgs   map[string]string `json:"custom_args"`
	MailSettings struct {
		SandboxMode struct {
			Enable bool `json:"enable"`
		} `json:"sandbox_mode"`
	} `json:"mail_settings"`
}

type sgErr struct {
	Message string  `json:"message"`
	Field   *string `json:"field"`
	Help    *string `json:"help"`
}

func sgError(w http.ResponseWriter, status int, field, msg string) {
	var f *string
	if field != "" {
		f = &field
	}
	writeJSON(w, status, map[string][]sgErr{"errors": {{Message: msg, Field: f}}})
}

func (s *SendGrid) send(w http.ResponseWriter, r *http.Request) {
	call := Call{At: time.Now()}
	defer func() { s.record(call) }()

	key := bearer(r)
	if key == "" || (s.cfg.APIKey != "" && key != s.cfg.APIKey) {
		call.Status, call.Fault = http.StatusUnauthorized, FaultUnauthorized
		msg := "The provided authorization grant is invalid, expired, or revoked"
		if s.echoing() {
			msg += " (key " + key + ")"
		}
		sgError(w, call.Status, "", msg)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 30<<20)) // SendGrid's limit is 30 MB
	var m sgMail
	if err == nil {
		err = json.Unmarshal(body, &m)
	}
	if err != nil {
		call.Status, call.Fault = http.StatusBadRequest, FaultInvalid
		sgError(w, call.Status, "", "Bad Request")
		return
	}
	if len(m.Personalizations) > 0 && len(m.Personalizations[0].To) > 0 {
		call.Recipient = m.Personalizations[0].To[0].Email
	}
	call.Ref = m.CustomArgs["novatrek_message_id"]

	v := s.before(r.Context(), call.Recipient)
	switch v.fault {
	case FaultHang:
		call.Fault = FaultHang
		return
	case FaultOutage, FaultFail:
		call.Status, call.Fault = v.status, v.fault
		sgError(w, v.status, "", http.StatusText(v.status))
		return
	case FaultRateLimit:
		call.Status, call.Fault = v.status, v.fault
		now := time.Now()
		writeRetryAfter(w.Header(), v, now)
		w.Header().Set("X-RateLimit-Limit", "600")
		w.Header().Set("X-RateLimit-Remaining", "0")
		w.Header().Set("X-RateLimit-Reset", strconv.FormatInt(now.Add(v.retryAfter+time.Second-1).Unix(), 10))
		sgError(w, v.status, "", "too many requests")
		return
	case FaultRejected:
		call.Status, call.Fault = http.StatusBadRequest, FaultRejected
		sgError(w, call.Status, "personalizations.0.to.0.email", "Does not contain a valid address.")
		return
	}
	if field, msg := validateMail(&m); field != "" {
		call.Status, call.Fault = http.StatusBadRequest, FaultInvalid
		sgError(w, call.Status, field, msg)
		return
	}

	id := b64ID(16)
	e := Email{XMessageID: id, To: call.Recipient, From: m.From.Email, Subject: m.Subject,
		CustomArgs: m.CustomArgs, Sandbox: m.MailSettings.SandboxMode.Enable, At: call.At}
	for _, c := range m.Content {
		switch c.Type {
		case "text/plain":
			e.Text = c.Value
		case "text/html":
			e.HTML = c.Value
		}
	}
	s.mu.Lock()
	s.sent[id] = e
	s.mu.Unlock()
	call.Status, call.ID = http.StatusAccepted, id

	w.Header().Set("X-Message-Id", id)
	w.WriteHeader(http.StatusAccepted)
	if s.cfg.AutoEvents && !e.Sandbox {
		s.autoEvents(e)
	}
}

// validateMail checks what SendGrid checks; it returns the failing field and message.
func validateMail(m *sgMail) (field, msg string) {
	if len(m.Personalizations) == 0 {
		return "personalizations", "The personalizations field is required and must have at least one personalization."
	}
	for i, p := range m.Personalizations {
		if len(p.To) == 0 {
			return fmt.Sprintf("personalizations.%d.to", i), "The to array is required for all personalization objects, and must have at least one email object with a valid email address."
		}
		for j, to := range p.To {
			if _, err := mail.ParseAddress(to.Email); err != nil {
				return fmt.Sprintf("personalizations.%d.to.%d.email", i, j), "Does not contain a valid address."
			}
		}
	}
	if _, err := mail.ParseAddress(m.From.Email); err != nil {
		return "from.email", "The from email does not contain a valid address."
	}
	if m.Subject == "" {
		return "subject", "The subject is required. You can get around this requirement if you use a template with a subject defined or if every personalization has a subject defined."
	}
	if len(m.Content) == 0 {
		return "content", "Unless a valid template_id is provided, the content parameter is required. There must be at least one defined content block."
	}
	for i, c := range m.Content {
		if c.Value == "" {
			return fmt.Sprintf("content.%d.value", i), "The content value must be a string at least one character in length."
		}
		if i > 0 && c.Type == "text/plain" {
			return fmt.Sprintf("content.%d.type", i), "The text/plain content type must be first."
		}
	}
	return "", ""
}
