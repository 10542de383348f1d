package providerfake

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"
)

// FCMConfig configures an FCM fake.
type FCMConfig struct {
	// ProjectID is the Firebase project the fake serves; default "novatrek-dev".
	ProjectID string
	// AccessToken is a static bearer token the fake accepts besides the tokens its token
	// endpoint issues; default "fake-fcm-access-token". Set "-" to accept only issued ones.
	AccessToken string
}

// Defaults of the FCM fake.
const (
	DefaultFCMProject     = "novatrek-dev"
	DefaultFCMAccessToken = "fake-fcm-access-token"
)

// Push is a message the FCM fake accepted.
type Push struct {
	Name         string // projects/{project}/messages/{id}
	Token        string
	Title, Body  string
	Data         map[string]string
	HighPriority bool // android.priority HIGH
	ValidateOnly bool
	At           time.Time
}

// FCM is a fake of Firebase Cloud Messaging's HTTP v1 send API and of Google's OAuth2
// token endpoint for a service account it generates.
type FCM struct {
	Faults
	Recorder

	cfg    FCMConfig
	mux    *http.ServeMux
	saKey  *rsa.PrivateKey
	saMail string

	mu     sync.Mutex
	tokens map[string]time.Time // issued access token → expiry
	sent   map[string]Push      // by name
}

// NewFCM returns an FCM fake with a fresh service-account key.
func NewFCM(cfg FCMConfig) (*FCM, error) {
	if cfg.ProjectID == "" {
		cfg.ProjectID = DefaultFCMProject
	}
	if cfg.AccessToken == "" {
		cfg.AccessToken = DefaultFCMAccessToken
	}
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, fmt.Errorf("providerfake: generate fcm service account key: %w", err)
	}
	f := &FCM{
		cfg: cfg, mux: http.NewServeMux(), saKey: key,
		saMail: "firebase-adminsdk@" + cfg.ProjectID + ".iam.gserviceaccount.com",
		tokens: map[string]time.Time{}, sent: map[string]Push{},
	}
	f.mux.HandleFunc("POST /v1/projects/{project}/messages:send", f.send)
	f.mux.HandleFunc("POST /token", f.token)
	return f, nil
}

// ServeHTTP serves the API and the token endpoint (/token).
func (f *FCM) ServeHTTP(w http.ResponseWriter, r *http.Request) { f.mux.ServeHTTP(w, r) }

// ProjectID is the project the fake serves.
func (f *FCM) ProjectID() string { return f.cfg.ProjectID }

// AccessToken is the static token the fake accepts.
func (f *FCM) AccessToken() string { return f.cfg.AccessToken }

// Push returns the accepted message with name.
func (f *FCM) Push(name string) (Push, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	p, ok := f.sent[name]
	return p, ok
}

// fcmError writes Google's error shape with an FcmError detail.
func fcmError(w http.ResponseWriter, status int, canonical, fcmCode, msg string) {
	e := map[string]any{"code": status, "message": msg, "status": canonical}
	if fcmCode != "" {
		e["details"] = []map[string]string{{
			"@type":     "type.googleapis.com/google.firebase.fcm.v1.FcmError",
			"errorCode": fcmCode,
		}}
	}
	writeJSON(w, status, map[string]any{"error": e})
}

type fcmRequest struct {
	ValidateOnly bool `json:"validate_only"`
	Message      struct {
		Token        string `json:"token"`
		Topic        string `json:"topic"`
		Notification *struct {
			Title string `json:"title"`
			Body  string `json:"body"`
		} `json:"notification"`
		Data    map[string]string `json:"data"`
		Android *struct {
			Priority string `json:"priority"`
		} `json:"android"`
	} `json:"message"`
}

func (f *FCM) send(w http.ResponseWriter, r *http.Request) {
	call := Call{At: time.Now()}
	defer func() { f.record(call) }()

	tok := bearer(r)
	if !f.validToken(tok) {
		call.Status, call.Fault = http.StatusUnauthorized, FaultUnauthorized
		msg := "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential."
		if f.echoing() {
			msg += " (token " + tok + ")"
		}
		fcmError(w, call.Status, "UNAUTHENTICATED", "", msg)
		return
	}
	if r.PathValue("project") != f.cfg.ProjectID {
		call.Status, call.Fault = http.StatusForbidden, FaultInvalid
		fcmError(w, call.Status, "PERMISSION_DENIED", "SENDER_ID_MISMATCH", "SenderId mismatch")
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	var req fcmRequest
	if err == nil {
		err = json.Unmarshal(body, &req)
	}
	if err != nil {
		call.Status, call.Fault = http.StatusBadRequest, FaultInvalid
		fcmError(w, call.Status, "INVALID_ARGUMENT", "INVALID_ARGUMENT", "Invalid JSON payload received.")
		return
	}
	call.Recipient = req.Message.Token
	call.Ref = req.Message.Data["novatrek_message_id"]

	v := f.before(r.Context(), call.Recipient)
	switch v.fault {
	case FaultHang:
		call.Fault = FaultHang
		return
	case FaultOutage, FaultFail:
		call.Status, call.Fault = v.status, v.fault
		canonical, code := "INTERNAL", "INTERNAL"
		if v.status == http.StatusServiceUnavailable {
			canonical, code = "UNAVAILABLE", "UNAVAILABLE"
		}
		fcmError(w, v.status, canonical, code, "The service is currently unavailable.")
		return
	case FaultRateLimit:
		call.Status, call.Fault = v.status, v.fault
		writeRetryAfter(w.Header(), v, time.Now())
		fcmError(w, v.status, "RESOURCE_EXHAUSTED", "QUOTA_EXCEEDED", "Quota exceeded for quota metric 'Send requests' of service 'fcm.googleapis.com'.")
		return
	case FaultRejected:
		call.Status, call.Fault = http.StatusNotFound, FaultRejected
		fcmError(w, call.Status, "NOT_FOUND", "UNREGISTERED", "Requested entity was not found.")
		return
	}
	if msg := validatePush(&req); msg != "" {
		call.Status, call.Fault = http.StatusBadRequest, FaultInvalid
		fcmError(w, call.Status, "INVALID_ARGUMENT", "INVALID_ARGUMENT", msg)
		return
	}

	p := Push{Name: "projects/" + f.cfg.ProjectID + "/messages/0:" + hexID("", 8),
		Token: req.Message.Token, Data: req.Message.Data, ValidateOnly: req.ValidateOnly, At: call.At}
	if n := req.Message.Notification; n != nil {
		p.Title, p.Body = n.Title, n.Body
	}
	p.HighPriority = req.Message.Android != nil && req.Message.Android.Priority == "HIGH"
	f.mu.Lock()
	f.sent[p.Name] = p
	f.mu.Unlock()
	call.Status, call.ID = http.StatusOK, p.Name
	writeJSON(w, http.StatusOK, map[string]string{"name": p.Name})
}

func validatePush(req *fcmRequest) string {
	m := &req.Message
	if m.Token == "" && m.Topic == "" {
		return "Recipient of the message is not set."
	}
	for k := range m.Data {
		if k == "from" || k == "notification" || k == "message_type" ||
			strings.HasPrefix(k, "google") || strings.HasPrefix(k, "gcm") {
			return fmt.Sprintf("Invalid data payload key: %s", k)
		}
	}
	if m.Android != nil && m.Android.Priority != "" && m.Android.Priority != "NORMAL" && m.Android.Priority != "HIGH" {
		return "Invalid value at 'message.android.priority'"
	}
	return ""
}

func (f *FCM) validToken(tok string) bool {
	if tok == "" {
		return false
	}
	if f.cfg.AccessToken != "-" && tok == f.cfg.AccessToken {
		return true
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	exp, ok := f.tokens[tok]
	return ok && time.Now().Before(exp)
}

// RevokeTokens invalidates every access token the token endpoint issued: the next send
// with one answers 401.
func (f *FCM) RevokeTokens() {
	f.mu.Lock()
	defer f.mu.Unlock()
	clear(f.tokens)
}

// IssuedTokens is how many access tokens the token endpoint has issued and not revoked.
func (f *FCM) IssuedTokens() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.tokens)
}
