package pspfake

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"
)

type storedResponse struct {
	fingerprint [32]byte
	status      int
	body        []byte
}

// Handler returns the HTTP API.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/payment_intents", s.createIntent)
	mux.HandleFunc("POST /v1/payment_intents/{id}/capture", s.captureIntent)
	mux.HandleFunc("POST /v1/payment_intents/{id}/cancel", s.cancelIntent)
	mux.HandleFunc("POST /v1/refunds", s.createRefund)
	mux.HandleFunc("POST /v1/transfers", s.createTransfer)
	return s.middleware(mux)
}

// apiHandler computes a response from a parsed form; it runs under s.mu.
type apiHandler func(r *http.Request, form url.Values) (status int, body any)

// middleware applies latency, failure injection, authentication and idempotency, in the
// order a real PSP's edge would: a request failed "before" leaves no trace, one failed
// "after" is stored under its key.
func (s *Server) middleware(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.requests.Add(1)
		// Read the body first: only then does net/http watch the connection and cancel the
		// request's context when the client hangs up, which latency and Hang wait on.
		body, err := io.ReadAll(r.Body)
		if err != nil {
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		if d := time.Duration(s.latency.Load()); d > 0 {
			if !sleep(r.Context(), d) {
				return
			}
		}
		if ch := s.hanging(); ch != nil {
			select {
			case <-r.Context().Done():
				return
			case <-ch:
			}
		}
		if s.apiKey != "" && r.Header.Get("Authorization") != "Bearer "+s.apiKey {
			writeError(w, http.StatusUnauthorized, apiError{Type: "invalid_request_error", Message: "Invalid API Key provided."})
			return
		}
		if decrementIfPositive(&s.failBefore) {
			writeError(w, int(s.failStatus.Load()), apiError{Type: "api_error", Message: "Injected failure (fake PSP)."})
			return
		}
		mux.ServeHTTP(w, r)
	})
}

// serve runs h with Stripe's idempotency semantics.
func (s *Server) serve(w http.ResponseWriter, r *http.Request, h apiHandler) {
	if err := r.ParseForm(); err != nil {
		writeError(w, http.StatusBadRequest, apiError{Type: "invalid_request_error", Message: "Malformed form body."})
		return
	}
	key := r.Header.Get("Idempotency-Key")
	fp := fingerprint(r.URL.Path, r.PostForm)

	if key != "" {
		// One request per key at a time, as Stripe (which answers 409 to the second).
		s.mu.Lock()
		kl, ok := s.keyLocks[key]
		if !ok {
			kl = &sync.Mutex{}
			s.keyLocks[key] = kl
		}
		s.mu.Unlock()
		if !kl.TryLock() {
			writeError(w, http.StatusConflict, apiError{Type: "idempotency_error", Code: "idempotency_key_in_use",
				Message: "There is currently another in-progress request using this Idempotent Key."})
			return
		}
		defer kl.Unlock()

		s.mu.Lock()
		prev, seen := s.idem[key]
		s.mu.Unlock()
		if seen {
			if prev.fingerprint != fp {
				writeError(w, http.StatusBadRequest, apiError{Type: "idempotency_error",
					Message: "Keys for idempotent requests can only be used with the same parameters they were first used with."})
				return
			}
			s.replays.Add(1)
			w.Header().Set("Idempotent-Replayed", "true")
			writeRaw(w, prev.status, prev.body)
			return
		}
	}

	s.mu.Lock()
	status, body := h(r, r.PostForm)
	s.mu.Unlock()
	data, _ := json.Marshal(body)
	if key != "" && status != http.StatusInternalServerError {
		s.mu.Lock()
		s.idem[key] = &storedResponse{fingerprint: fp, status: status, body: data}
		s.mu.Unlock()
	}
	if decrementIfPositive(&s.failAfter) {
		writeError(w, http.StatusInternalServerError, apiError{Type: "api_error", Message: "Injected failure after processing (fake PSP)."})
		return
	}
	writeRaw(w, status, data)
}

func fingerprint(path string, form url.Values) [32]byte {
	keys := make([]string, 0, len(form))
	for k := range form {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString(path)
	for _, k := range keys {
		b.WriteString("\x00" + k + "=" + strings.Join(form[k], "\x01"))
	}
	return sha256.Sum256([]byte(b.String()))
}

type apiError struct {
	Type          string `json:"type"`
	Code          string `json:"code,omitempty"`
	DeclineCode   string `json:"decline_code,omitempty"`
	Message       string `json:"message"`
	Param         string `json:"param,omitempty"`
	PaymentIntent any    `json:"payment_intent,omitempty"`
}

func errorBody(e apiError) any { return map[string]apiError{"error": e} }

func writeError(w http.ResponseWriter, status int, e apiError) {
	data, _ := json.Marshal(errorBody(e))
	writeRaw(w, status, data)
}

func writeRaw(w http.ResponseWriter, status int, data []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Request-Id", newID("req"))
	w.WriteHeader(status)
	w.Write(data)
}

func decrementIfPositive(n interface {
	Load() int64
	CompareAndSwap(old, new int64) bool
}) bool {
	for {
		v := n.Load()
		if v <= 0 {
			return false
		}
		if n.CompareAndSwap(v, v-1) {
			return true
		}
	}
}

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
