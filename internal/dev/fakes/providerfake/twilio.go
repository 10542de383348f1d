package providerfake

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"sync"
	"time"
	"unicode/utf8"
)

// TwilioConfig configures a Twilio fake.
type TwilioConfig struct {
	// AccountSID is the account the fake serves; default "AC" followed by 32 zeros.
	AccountSID string
	// AuthToken is the account's auth token: the basic-auth password it accepts and the
	// key it signs callbacks with; default "fake-twilio-auth-token".
	AuthToken string
	// APIKeySID and APIKeySecret, when set, are accepted as basic-auth credentials too.
	APIKeySID, APIKeySecret string
	// AutoCallbacks posts "sent" and then "delivered" (or "undelivered" with error 30003
	// for an Undeliverable recipient) to each accepted message's StatusCallback.
	AutoCallbacks bool
	// HTTPClient posts the callbacks; default a client with a 10s timeout.
	HTTPClient *http.Client
}

// Default credentials of the Twilio fake.
const (
	DefaultTwilioAccountSID = "AC00000000000000000000000000000000"
	DefaultTwilioAuthToken  = "fake-twilio-auth-token"
)

// SMS is a message the Twilio fake accepted.
type SMS struct {
	SID, To, From, MessagingServiceSID, Body, StatusCallback string
	At                                                       time.Time
}

// Twilio is a fake of Twilio's Messages API and its signed status callbacks.
type Twilio struct {
	Faults
	Recorder

	cfg  TwilioConfig
	cbs  *callbacks
	mux  *http.ServeMux
	mu   sync.Mutex
	sent map[string]SMS // by sid
}

var e164 = regexp.MustCompile(`^\+[1-9][0-9]{1,14}$`)

// NewTwilio returns a Twilio fake.
func NewTwilio(cfg TwilioConfig) *Twilio {
	if cfg.AccountSID == "" {
		cfg.AccountSID = DefaultTwilioAccountSID
	}
	if cfg.AuthToken == "" {
		cfg.AuthToken = DefaultTwilioAuthToken
	}
	t := &Twilio{cfg: cfg, cbs: newCallbacks(cfg.HTTPClient), mux: http.NewServeMux(), sent: map[string]SMS{}}
	t.mux.HandleFunc("POST /2010-04-01/Accounts/{account}/Messages.json", t.create)
	return t
}

// ServeHTTP serves the API.
func (t *Twilio) ServeHTTP(w http.ResponseWriter, r *http.Request) { t.mux.ServeHTTP(w, r) }

// AccountSID is the account the fake serves.
func (t *Twilio) AccountSID() string { return t.cfg.AccountSID }

// AuthToken is the token the fake accepts and signs callbacks with.
func (t *Twilio) AuthToken() string { return t.cfg.AuthToken }

// SMS returns the accepted message with sid.
func (t *Twilio) SMS(sid string) (SMS, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	m, ok := t.sent[sid]
	return m, ok
}

// CallbackStats counts the status callbacks.
func (t *Twilio) CallbackStats() CallbackStats { return t.cbs.stats() }

// DrainCallbacks waits until the automatic callbacks of the messages accepted so far
// have been posted. Call it once no more messages are being sent.
func (t *Twilio) DrainCallbacks() { t.cbs.drain() }

// Close stops background callbacks and waits for those in flight.
func (t *Twilio) Close() { t.cbs.close() }

// twilioError writes Twilio's error shape.
func twilioError(w http.ResponseWriter, status, code int, msg string) {
	writeJSON(w, status, map[string]any{
		"code": code, "message": msg, "status": status,
		"more_info": fmt.Sprintf("https://www.twilio.com/docs/errors/%d", code),
	})
}

func (t *Twilio) authorized(r *http.Request) (user, pass string, ok bool) {
	user, pass, ok = r.BasicAuth()
	if !ok {
		return user, pass, false
	}
	if user == t.cfg.AccountSID && pass == t.cfg.AuthToken {
		return user, pass, true
	}
	return user, pass, t.cfg.APIKeySID != "" && user == t.cfg.APIKeySID && pass == t.cfg.APIKeySecret
}

func (t *Twilio) create(w http.ResponseWriter, r *http.Request) {
	call := Call{At: time.Now()}
	defer func() { t.record(call) }()

	if _, pass, ok := t.authorized(r); !ok || r.PathValue("account") != t.cfg.AccountSID {
		call.Status, call.Fault = http.StatusUnauthorized, FaultUnauthorized
		msg := "Authenticate"
		if t.echoing() {
			msg += " (token " + pass + ")"
		}
		twilioError(w, call.Status, 20003, msg)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	form, perr := url.ParseQuery(string(body))
	if err != nil || perr != nil {
		call.Status, call.Fault = http.StatusBadRequest, FaultInvalid
		twilioError(w, call.Status, 20001, "Invalid form body")
		return
	}
	call.Recipient = form.Get("To")
	if cb, err := url.Parse(form.Get("StatusCallback")); err == nil {
		call.Ref = cb.Query().Get("novatrek_message_id")
	}

	v := t.before(r.Context(), call.Recipient)
	switch v.fault {
	case FaultHang:
		call.Fault = FaultHang
		return
	case FaultOutage, FaultFail:
		call.Status, call.Fault = v.status, v.fault
		twilioError(w, v.status, 20000+v.status, http.StatusText(v.status))
		return
	case FaultRateLimit:
		call.Status, call.Fault = v.status, v.fault
		writeRetryAfter(w.Header(), v, time.Now())
		twilioError(w, v.status, 20429, "Too Many Requests")
		return
	case FaultRejected:
		call.Status, call.Fault = http.StatusBadRequest, FaultRejected
		twilioError(w, call.Status, 21610, "Attempt to send to unsubscribed recipient")
		return
	}
	if status, code, msg := validateSMS(form); code != 0 {
		call.Status, call.Fault = status, FaultInvalid
		twilioError(w, status, code, msg)
		return
	}

	m := SMS{SID: hexID("SM", 16), To: call.Recipient, From: form.Get("From"),
		MessagingServiceSID: form.Get("MessagingServiceSid"), Body: form.Get("Body"),
		StatusCallback: form.Get("StatusCallback"), At: call.At}
	t.mu.Lock()
	t.sent[m.SID] = m
	t.mu.Unlock()
	call.Status, call.ID = http.StatusCreated, m.SID
	writeJSON(w, http.StatusCreated, t.resource(m, initialStatus(m)))
	if t.cfg.AutoCallbacks && m.StatusCallback != "" {
		t.autoCallbacks(m)
	}
}

func initialStatus(m SMS) string {
	if m.MessagingServiceSID != "" {
		return "accepted"
	}
	return "queued"
}

func validateSMS(form url.Values) (status, code int, msg string) {
	switch {
	case form.Get("To") == "":
		return http.StatusBadRequest, 21604, "A 'To' phone number is required."
	case !e164.MatchString(form.Get("To")):
		return http.StatusBadRequest, 21211, fmt.Sprintf("Invalid 'To' Phone Number: %s", form.Get("To"))
	case form.Get("From") == "" && form.Get("MessagingServiceSid") == "":
		return http.StatusBadRequest, 21603, "A 'From' or 'MessagingServiceSid' parameter is required to send a message."
	case form.Get("Body") == "" && form.Get("MediaUrl") == "":
		return http.StatusBadRequest, 21602, "Message body is required."
	case utf8.RuneCountInString(form.Get("Body")) > 1600:
		return http.StatusBadRequest, 21617, "The concatenated message body exceeds the 1600 character limit."
	}
	if cb := form.Get("StatusCallback"); cb != "" {
		if u, err := url.Parse(cb); err != nil || (u.Scheme != "http" && u.Scheme != "https") {
			return http.StatusBadRequest, 21609, "Invalid StatusCallback URL."
		}
	}
	return 0, 0, ""
}

// resource renders the message resource as Twilio answers it.
func (t *Twilio) resource(m SMS, status string) map[string]any {
	date := m.At.UTC().Format(time.RFC1123Z)
	var from, mss any
	if m.From != "" {
		from = m.From
	}
	if m.MessagingServiceSID != "" {
		mss = m.MessagingServiceSID
	}
	uri := "/2010-04-01/Accounts/" + t.cfg.AccountSID + "/Messages/" + m.SID
	return map[string]any{
		"account_sid": t.cfg.AccountSID, "api_version": "2010-04-01", "body": m.Body,
		"date_created": date, "date_updated": date, "date_sent": nil,
		"direction": "outbound-api", "error_code": nil, "error_message": nil,
		"from": from, "messaging_service_sid": mss, "num_media": "0", "num_segments": "1",
		"price": nil, "price_unit": "USD", "sid": m.SID, "status": status, "to": m.To,
		"uri":              uri + ".json",
		"subresource_uris": map[string]string{"media": uri + "/Media.json"},
	}
}
