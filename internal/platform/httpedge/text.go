package httpedge

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/novatrek/support/internal/platform/problem"
)

// validText refuses with 400 a request whose path, query or body holds a NUL byte or
// invalid UTF-8 — including a NUL written as the JSON escape \u0000. Our stores keep text in
// PostgreSQL, which rejects both (SQLSTATE 22021 / 22P05): without this screen such a
// request reaches a handler and fails as a 500. Nothing of the value is echoed.
func validText(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if where := badText(r); where != "" {
			problem.Write(w, r, problem.Validation(where+" holds a NUL character or is not valid UTF-8.",
				problem.FieldError{Field: where, Reason: "NUL or invalid UTF-8"}))
			return
		}
		next.ServeHTTP(w, r)
	})
}

// badText names the part of r that is not clean text, "" when all are.
func badText(r *http.Request) string {
	if !cleanText(r.URL.Path) || !cleanText(r.URL.RawPath) {
		return "path"
	}
	for k, v := range queryPairs(r.URL.RawQuery) {
		if !cleanText(k) || !cleanText(v) {
			return "query"
		}
	}
	b := body(r)
	if !utf8.Valid(b) || bytes.IndexByte(b, 0) >= 0 {
		return "body"
	}
	if bytes.Contains(b, []byte(`\u0000`)) && jsonHasNUL(b) {
		return "body"
	}
	return ""
}

func cleanText(s string) bool { return utf8.ValidString(s) && strings.IndexByte(s, 0) < 0 }

// jsonHasNUL reports whether a JSON key or string of b decodes to text with a NUL. A body
// that is not JSON is left to the handler, which refuses it with a better message.
func jsonHasNUL(b []byte) bool {
	dec := json.NewDecoder(bytes.NewReader(b))
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) || err != nil {
			return false
		}
		if s, ok := tok.(string); ok && strings.IndexByte(s, 0) >= 0 {
			return true
		}
	}
}
