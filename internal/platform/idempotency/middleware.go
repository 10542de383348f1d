package idempotency

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"io"
	"net/http"
	"time"

	"github.com/novatrek/support/internal/platform/apiauth"
	"github.com/novatrek/support/internal/platform/problem"
)

// Middleware applies the key protocol (see the package doc) to next. It runs after
// authentication (the caller scopes the key) and reads the whole body to fingerprint it.
// Requests without a key pass through, unless Config.Required.
func (k *Keeper) Middleware(next http.Handler) http.Handler {
	return k.middleware(next, k.cfg.Required)
}

// Optional is Middleware for a route where the key is optional whatever Config.Required
// says: writes that are idempotent by nature (a PUT of a state, a rebuild).
func (k *Keeper) Optional(next http.Handler) http.Handler { return k.middleware(next, false) }

// Required is Middleware for a route where the key is required whatever Config.Required
// says: writes that could double an effect (the HTTP edge's httpedge.KeyRequired).
func (k *Keeper) Required(next http.Handler) http.Handler { return k.middleware(next, true) }

func (k *Keeper) middleware(next http.Handler, required bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req, ok := k.request(w, r, required)
		if !ok {
			return
		}
		if req == nil {
			next.ServeHTTP(w, r)
			return
		}
		caller, key := req.caller, req.key
		out, stored, attempts, err := k.claim(r.Context(), caller, key, req.fp, r.Method, r.URL.Path)
		if err != nil {
			unavailable(k, w, r, err)
			return
		}
		if answered(w, r, out, stored) {
			return
		}

		claim := &Claim{k: k, caller: caller, key: key, attempts: attempts}
		rec := &recorder{ResponseWriter: w, status: http.StatusOK}
		finished := false
		defer func() {
			if finished {
				return
			}
			// The handler panicked: free the key for a retry, then let the panic go on.
			k.forgetDetached(r.Context(), claim)
		}()
		next.ServeHTTP(rec, r.WithContext(withClaim(r.Context(), claim)))
		finished = true

		switch {
		case claim.storedStatus != 0 && claim.storedStatus == rec.status:
			// Stored with the effect, in the handler's transaction.
		case rec.status >= 300:
			// An error the handler did not store with an effect (invalid request, refused
			// by a business rule, dependency down): no effect happened, or the handler
			// resumes it from its own rows, so the key is forgotten and a retry runs again.
			k.forgetDetached(r.Context(), claim)
		default:
			resp := Response{Status: rec.status, Header: rec.Header(), Body: rec.body.Bytes()}
			ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), 5*time.Second)
			defer cancel()
			if err := k.complete(ctx, caller, key, resp); err != nil {
				// The client has its answer; a retry after the lease runs the handler again,
				// which resumes from the business rows.
				k.cfg.Logger.ErrorContext(ctx, "storing the idempotent response failed", "err", err)
			}
		}
	})
}

// keyedRequest is what the protocol knows of a request with a key.
type keyedRequest struct {
	caller, key string
	fp          []byte
}

// request reads the request's key: ok false when it answered the request itself (a
// missing required key, an invalid one, an unreadable body); a nil request when there is
// no key and none is required. The body is read whole (for the fingerprint) and put back.
func (k *Keeper) request(w http.ResponseWriter, r *http.Request, required bool) (*keyedRequest, bool) {
	key := r.Header.Get(Header)
	if key == "" {
		if required {
			problem.Write(w, r, problem.New(http.StatusBadRequest, problem.TypeIdempotencyNeeded, "Idempotency-Key required",
				"Send an Idempotency-Key header (a unique value such as a UUID per logical operation) with every write, and the same value on retries."))
			return nil, false
		}
		return nil, true
	}
	if !validKey(key) {
		problem.Write(w, r, problem.Validation("Idempotency-Key must be 1 to 255 printable ASCII characters.",
			problem.FieldError{Field: "Idempotency-Key", Reason: "invalid"}))
		return nil, false
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		problem.Write(w, r, problem.Validation("The request body could not be read."))
		return nil, false
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	var caller string
	if c, ok := apiauth.CallerFrom(r.Context()); ok {
		caller = c.Name
	}
	return &keyedRequest{caller: caller, key: key, fp: Fingerprint(r.Method, r.URL.Path, r.URL.RawQuery, body)}, true
}

// unavailable answers 503 when the key store failed.
func unavailable(k *Keeper, w http.ResponseWriter, r *http.Request, err error) {
	k.cfg.Logger.ErrorContext(r.Context(), "idempotency key store failed", "err", err)
	w.Header().Set("Retry-After", "1")
	problem.Write(w, r, problem.Unavailable("The idempotency key store is unavailable; retry with the same key."))
}

// answered writes what an outcome other than acquired answers (a replay, a reused key, a
// key in use) and reports whether it did.
func answered(w http.ResponseWriter, r *http.Request, out outcome, stored *Response) bool {
	switch out {
	case replay:
		for name, vs := range stored.Header {
			w.Header()[name] = vs
		}
		w.Header().Set(ReplayedHeader, "true")
		w.WriteHeader(stored.Status)
		w.Write(stored.Body)
	case mismatch:
		problem.Write(w, r, problem.Unprocessable(problem.TypeIdempotencyReuse, "Idempotency-Key reused",
			"This Idempotency-Key was already used for a different request. Use a new key for a new operation."))
	case inProgress:
		w.Header().Set("Retry-After", "1")
		problem.Write(w, r, errInUse)
	default:
		return false
	}
	return true
}

// errInUse is the answer while another request holds the key.
var errInUse = problem.New(http.StatusConflict, problem.TypeIdempotencyInUse, "Request in progress",
	"A request with this Idempotency-Key is still being processed; retry shortly with the same key.")

// forgetDetached forgets the claim even if the request's context has ended.
func (k *Keeper) forgetDetached(ctx context.Context, c *Claim) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := k.forget(ctx, c.caller, c.key, c.attempts); err != nil {
		k.cfg.Logger.ErrorContext(ctx, "forgetting an idempotency key failed; it frees itself when its lease expires", "err", err)
	}
}

func validKey(key string) bool {
	if len(key) == 0 || len(key) > MaxKeyLength {
		return false
	}
	for i := 0; i < len(key); i++ {
		if key[i] < 0x20 || key[i] > 0x7e {
			return false
		}
	}
	return true
}

// Fingerprint identifies a request: method, path, query and body. A JSON body is
// canonicalized first (object keys sorted, insignificant whitespace dropped, numbers kept
// as written), so a client that re-serializes the same values is not refused.
func Fingerprint(method, path, query string, body []byte) []byte {
	h := sha256.New()
	for _, s := range []string{method, path, query} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	h.Write(canonicalJSON(body))
	return h.Sum(nil)
}

func canonicalJSON(body []byte) []byte {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil || dec.More() {
		return body
	}
	out, err := json.Marshal(v)
	if err != nil {
		return body
	}
	return out
}

// recorder passes the response through and keeps a copy to store.
type recorder struct {
	http.ResponseWriter
	status      int
	wroteHeader bool
	body        bytes.Buffer
}

func (r *recorder) WriteHeader(status int) {
	if !r.wroteHeader {
		r.status, r.wroteHeader = status, true
	}
	r.ResponseWriter.WriteHeader(status)
}

func (r *recorder) Write(b []byte) (int, error) {
	if !r.wroteHeader {
		r.WriteHeader(http.StatusOK)
	}
	r.body.Write(b)
	return r.ResponseWriter.Write(b)
}
