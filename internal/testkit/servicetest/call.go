package servicetest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/novatrek/support/internal/platform/apiauth"
)

// Response is an API response, its body read.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body into v, failing the test if it is not JSON of that shape.
func (r *Response) JSON(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("servicetest: response body %s: %v", r.Body, err)
	}
}

// Call sends a request to the API as caller (its token, Token(caller) unless WithTokens
// said otherwise; Guest(id) a guest token; "" sends none). body is marshalled
// as JSON unless nil; header is "Name", "value" pairs.
func (s *Service[S]) Call(caller, method, path string, body any, header ...string) *Response {
	s.T.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			s.T.Fatalf("servicetest: marshal request body: %v", err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, s.URL+path, rd)
	if err != nil {
		s.T.Fatalf("servicetest: %s %s: %v", method, path, err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if caller != "" {
		tok, ok := s.tokens[caller]
		if guest, isGuest := strings.CutPrefix(caller, guestPrefix); isGuest {
			tok = apiauth.GuestToken(GuestKey, guest)
		} else if !ok {
			tok = Token(caller)
		}
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.T.Fatalf("servicetest: %s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		s.T.Fatalf("servicetest: read %s %s: %v", method, path, err)
	}
	return &Response{Status: resp.StatusCode, Header: resp.Header, Body: b}
}
