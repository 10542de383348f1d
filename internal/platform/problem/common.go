package problem

import "net/http"

// FieldError names one invalid request field; Validation lists them under "errors".
type FieldError struct {
	// Field is a JSON pointer-like path, e.g. "amount.currency".
	Field string `json:"field"`
	// Reason says what is wrong, without echoing the value.
	Reason string `json:"reason"`
}

// Validation is a 400 listing the invalid fields.
func Validation(detail string, fields ...FieldError) *Problem {
	p := New(http.StatusBadRequest, TypeValidation, "Invalid request", detail)
	if len(fields) > 0 {
		p.With("errors", fields)
	}
	return p
}

// NotFound is a 404 for the resource named in detail.
func NotFound(detail string) *Problem {
	return New(http.StatusNotFound, TypeNotFound, "Not found", detail)
}

// Conflict is a 409: the resource's current state does not allow the operation.
func Conflict(detail string) *Problem {
	return New(http.StatusConflict, TypeConflict, "Conflict with the resource's state", detail)
}

// Unprocessable is a 422 of type typ (TypeUnprocessable when empty): the request is well
// formed but breaks a business rule.
func Unprocessable(typ, title, detail string) *Problem {
	if typ == "" {
		typ = TypeUnprocessable
	}
	return New(http.StatusUnprocessableEntity, typ, title, detail)
}

// Unavailable is a 503: a dependency is down and the same request may succeed later.
func Unavailable(detail string) *Problem {
	return New(http.StatusServiceUnavailable, TypeUnavailable, "Temporarily unavailable", detail)
}

// Internal is a 500 that says nothing about the cause (that goes to the log).
func Internal() *Problem {
	return New(http.StatusInternalServerError, TypeInternal, "Internal error", "The error was logged; retrying with the same Idempotency-Key is safe.")
}
