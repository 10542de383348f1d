package httpedge

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/novatrek/support/internal/platform/problem"
)

// DecodeJSON reads r's body (bounded by the edge's body limit) strictly into v; see
// DecodeBody. The error is a *problem.Problem: a handler returns it as it is. A body over
// the limit (when r did not come through the edge) is a 413.
func DecodeJSON(r *http.Request, v any) error {
	b, err := io.ReadAll(r.Body)
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return problem.New(http.StatusRequestEntityTooLarge, problem.TypeTooLarge,
				"Request too large", fmt.Sprintf("The body exceeds %d bytes.", tooBig.Limit))
		}
		return problem.Validation("The request body could not be read.")
	}
	if p := DecodeBody(b, v); p != nil {
		return p
	}
	return nil
}

// DecodeBody decodes body strictly into v: an unknown field, a value of the wrong type,
// trailing data after the JSON value or malformed JSON is a 400 validation problem naming
// the field where there is one, without echoing the input. An empty body decodes as {}.
// Strict because a typo in a request must not be silently ignored.
func DecodeBody(body []byte, v any) *problem.Problem {
	if len(bytes.TrimSpace(body)) == 0 {
		body = []byte("{}")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return describeJSONError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return problem.Validation("The body holds more than one JSON value.")
	}
	return nil
}

// describeJSONError says what is wrong without echoing the input.
func describeJSONError(err error) *problem.Problem {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return problem.Validation(fmt.Sprintf("The body is not valid JSON (at byte %d).", syn.Offset))
	case errors.As(err, &typ):
		return problem.Validation(fmt.Sprintf("Field %q must be a %s.", typ.Field, typ.Type.String()),
			problem.FieldError{Field: typ.Field, Reason: "must be a " + typ.Type.String()})
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		quoted := strings.TrimPrefix(err.Error(), "json: unknown field ")
		return problem.Validation("Unknown field "+quoted+".",
			problem.FieldError{Field: strings.Trim(quoted, `"`), Reason: "unknown field"})
	case errors.Is(err, io.ErrUnexpectedEOF):
		return problem.Validation("The body is truncated JSON.")
	}
	return problem.Validation("The body must be a JSON object.")
}
