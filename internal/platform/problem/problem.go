// Package problem writes HTTP API errors as RFC 9457 problem details
// (Content-Type: application/problem+json).
//
// Every problem has a stable "type" URI, so a client branches on the type, never on the
// human-readable title or detail. Types are URNs under TypePrefix ("urn:novatrek:problem:"
// followed by a slug such as "validation-error"): they identify, they are not meant to be
// fetched, and they stay the same whatever host serves the API. The generic types below
// cover the HTTP plumbing; services declare their own (e.g. "payment-declined") with Type.
//
// Details must never echo secrets or personal data from the request: say which field is
// wrong and why, not what it held.
package problem

import (
	"encoding/json"
	"net/http"
	"strings"
)

// ContentType is the media type of a problem document.
const ContentType = "application/problem+json"

// TypePrefix starts every type URI of our APIs.
const TypePrefix = "urn:novatrek:problem:"

// Type returns the type URI of slug, e.g. Type("payment-declined").
func Type(slug string) string { return TypePrefix + slug }

// Generic problem types of the HTTP plumbing shared by every service.
var (
	TypeValidation        = Type("validation-error")         // 400: the request is malformed or a field is invalid
	TypeCardData          = Type("card-data-refused")        // 400: a field holds what looks like a card number
	TypeUnauthenticated   = Type("unauthenticated")          // 401: no or unknown bearer token
	TypeForbidden         = Type("forbidden")                // 403: the caller may not do this
	TypeNotFound          = Type("not-found")                // 404
	TypeMethodNotAllowed  = Type("method-not-allowed")       // 405
	TypeConflict          = Type("conflict")                 // 409: the resource's state does not allow it
	TypeIdempotencyInUse  = Type("idempotency-key-in-use")   // 409: the same key is being processed
	TypeIdempotencyReuse  = Type("idempotency-key-reused")   // 422: same key, different request
	TypeIdempotencyNeeded = Type("idempotency-key-required") // 400: a write without Idempotency-Key
	TypeTooLarge          = Type("request-too-large")        // 413
	TypeUnsupportedMedia  = Type("unsupported-media-type")   // 415
	TypeUnprocessable     = Type("unprocessable")            // 422: well-formed but breaks a business rule
	TypeUnavailable       = Type("unavailable")              // 503: a dependency is down; retry later
	TypeInternal          = Type("internal-error")           // 500
)

// Problem is one RFC 9457 problem document. Extensions are extra members at the top level,
// e.g. "errors" listing invalid fields or "decline_code".
type Problem struct {
	Type     string
	Title    string
	Status   int
	Detail   string
	Instance string
	// Extensions are serialized beside the standard members; a key that collides with a
	// standard member is ignored.
	Extensions map[string]any
}

// New returns a problem of type typ with HTTP status and title.
func New(status int, typ, title, detail string) *Problem {
	return &Problem{Type: typ, Title: title, Status: status, Detail: detail}
}

// With returns p with the extension member key set to v.
func (p *Problem) With(key string, v any) *Problem {
	if p.Extensions == nil {
		p.Extensions = map[string]any{}
	}
	p.Extensions[key] = v
	return p
}

// Error makes a *Problem usable as an error, so handlers can return one.
func (p *Problem) Error() string {
	if p.Detail != "" {
		return p.Title + ": " + p.Detail
	}
	return p.Title
}

// MarshalJSON writes the standard members first, then the extensions.
func (p *Problem) MarshalJSON() ([]byte, error) {
	m := make(map[string]any, len(p.Extensions)+5)
	for k, v := range p.Extensions {
		m[k] = v
	}
	typ := p.Type
	if typ == "" {
		typ = "about:blank"
	}
	m["type"] = typ
	m["title"] = p.Title
	m["status"] = p.Status
	if p.Detail != "" {
		m["detail"] = p.Detail
	} else {
		delete(m, "detail")
	}
	if p.Instance != "" {
		m["instance"] = p.Instance
	} else {
		delete(m, "instance")
	}
	return json.Marshal(m)
}

// Write sends p as the response. Instance defaults to the request path.
// Whatever the caller put in it, no member of the written problem holds card-shaped data
// (see withoutCardData).
func Write(w http.ResponseWriter, r *http.Request, p *Problem) {
	if p.Instance == "" && r != nil {
		p.Instance = r.URL.Path
	}
	p = withoutCardData(p)
	body, err := json.Marshal(p)
	if err != nil { // an extension that does not marshal: fall back to the bare problem
		body, _ = json.Marshal(&Problem{Type: p.Type, Title: p.Title, Status: p.Status, Detail: p.Detail, Instance: p.Instance})
	}
	h := w.Header()
	h.Set("Content-Type", ContentType)
	h.Set("Cache-Control", "no-store")
	if p.Status == http.StatusUnauthorized && h.Get("WWW-Authenticate") == "" {
		h.Set("WWW-Authenticate", `Bearer realm="novatrek"`)
	}
	w.WriteHeader(p.Status)
	w.Write(append(body, '\n'))
}

// Is reports whether a response content type is a problem document.
func Is(contentType string) bool {
	mt, _, _ := strings.Cut(contentType, ";")
	return strings.TrimSpace(mt) == ContentType
}
