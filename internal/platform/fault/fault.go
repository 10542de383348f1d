// Package fault is the errors domain code returns when an operation cannot be done: a
// conflict with the resource's state, a refusal (a declined card), a missing resource, an
// invalid input or a dependency that is down. Domain packages return these instead of HTTP
// values, so the same code serves the API, the stream handlers and the workers; the HTTP
// edge (internal/platform/httpedge) turns each into its problem (Problem) by kind.
//
// A fault carries a problem type slug (the API contract clients branch on, e.g.
// "payment-declined"), a title, a detail that never echoes secrets or card data, optional
// extension members and, for Unavailable, how long to wait before retrying.
package fault

import (
	"errors"
	"time"
)

// Kind says which class of failure a fault is; it decides the HTTP status.
type Kind int

// The kinds, with the status the edge answers.
const (
	KindInvalid       Kind = iota + 1 // 400: the input is malformed
	KindRefused                       // 402: a provider or screening refused (a declined card)
	KindNotFound                      // 404
	KindConflict                      // 409: the resource's state does not allow it
	KindUnprocessable                 // 422: well formed, but breaks a business rule
	KindUnavailable                   // 503 + Retry-After: a dependency is down; retry later
	// KindPreconditionRequired is 428: a write of a versioned resource came without the
	// If-Match that proves which version the client saw (lost-update protection).
	KindPreconditionRequired
	// KindPreconditionFailed is 412: the If-Match names a version that is no longer current.
	KindPreconditionFailed
	KindForbidden // 403: the caller may call, but this resource refuses it (a wrong share-link password)
	KindGone      // 410: the resource existed and is gone for good (a revoked or expired link)
)

// DefaultRetryAfter is what Unavailable asks clients to wait unless told otherwise (the
// payments API's Retry-After until now).
const DefaultRetryAfter = 5 * time.Second

// Error is a domain failure. Build one with the constructors below.
type Error struct {
	Kind   Kind
	Slug   string // problem type slug; "" takes the kind's generic type
	Title  string
	Detail string
	// Extensions become extra members of the problem (e.g. "payment_id").
	Extensions map[string]any
	// RetryAfter is sent as Retry-After (whole seconds, at least 1) for KindUnavailable.
	RetryAfter time.Duration
	// Cause is the underlying error, logged by the edge and never shown to the client.
	Cause error
}

func newError(k Kind, slug, title, detail string) *Error {
	return &Error{Kind: k, Slug: slug, Title: title, Detail: detail}
}

// Invalid is a 400: the input is malformed. Field errors go in as the "errors" extension
// (see problem.FieldError) with With.
func Invalid(detail string) *Error { return newError(KindInvalid, "", "Invalid request", detail) }

// Refused is a 402 of type slug: the operation was refused by whoever decides it (the card
// issuer, fraud screening). The refusal is a result, not a fault of the request.
func Refused(slug, title, detail string) *Error { return newError(KindRefused, slug, title, detail) }

// NotFound is a 404; detail names the resource.
func NotFound(detail string) *Error { return newError(KindNotFound, "", "Not found", detail) }

// Conflict is a 409 of type slug ("" for the generic conflict type).
func Conflict(slug, title, detail string) *Error { return newError(KindConflict, slug, title, detail) }

// Unprocessable is a 422 of type slug ("" for the generic type): a business rule refuses a
// well-formed request.
func Unprocessable(slug, title, detail string) *Error {
	return newError(KindUnprocessable, slug, title, detail)
}

// Unavailable is a 503 of type slug ("" for the generic type) with Retry-After
// DefaultRetryAfter: a dependency is down and the same request may succeed later.
func Unavailable(slug, title, detail string) *Error {
	e := newError(KindUnavailable, slug, title, detail)
	e.RetryAfter = DefaultRetryAfter
	return e
}

// PreconditionRequired is a 428: detail says which header to send.
func PreconditionRequired(detail string) *Error {
	return newError(KindPreconditionRequired, "", "Precondition required", detail)
}

// PreconditionFailed is a 412: the client edited a version that is no longer current;
// detail (and an extension, With) says which one is.
func PreconditionFailed(detail string) *Error {
	return newError(KindPreconditionFailed, "", "Precondition failed", detail)
}

// Forbidden is a 403 of type slug: the caller is authenticated and allowed the route, but a
// credential of the resource itself (a share link's password) does not match.
func Forbidden(slug, title, detail string) *Error {
	return newError(KindForbidden, slug, title, detail)
}

// Gone is a 410 of type slug: the resource existed and will not come back (a revoked or
// expired link), so a client stops retrying, unlike a 404.
func Gone(slug, title, detail string) *Error { return newError(KindGone, slug, title, detail) }

// With returns e with the extension member key set to v.
func (e *Error) With(key string, v any) *Error {
	if e.Extensions == nil {
		e.Extensions = map[string]any{}
	}
	e.Extensions[key] = v
	return e
}

// Because returns e with its cause set (logged, never shown).
func (e *Error) Because(cause error) *Error {
	e.Cause = cause
	return e
}

// Error says what failed, the cause included (for logs and tests).
func (e *Error) Error() string {
	s := e.Title
	if e.Detail != "" {
		s += ": " + e.Detail
	}
	if e.Cause != nil {
		s += ": " + e.Cause.Error()
	}
	return s
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Cause }

// As returns the fault in err's chain, if any.
func As(err error) (*Error, bool) {
	var f *Error
	ok := errors.As(err, &f)
	return f, ok
}
