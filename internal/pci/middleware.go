package pci

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/novatrek/support/internal/problem"
)

// DefaultMaxBody is the largest request body Middleware reads (64 KiB): our API requests are
// small JSON documents.
const DefaultMaxBody = 64 << 10

// Middleware refuses, with 400 of type problem.TypeCardData, any request carrying a card
// number in its JSON body, its query string or a header (other than Authorization and
// Cookie, which carry credentials). It reads the body into memory (at most maxBody bytes,
// DefaultMaxBody when 0; a larger body gets 413) and hands the next handler a fresh reader
// over the same bytes. The refused value is neither logged nor echoed.
func Middleware(maxBody int64, next http.Handler) http.Handler {
	if maxBody <= 0 {
		maxBody = DefaultMaxBody
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if where, found := scanRequestLine(r); found {
			refuse(w, r, where)
			return
		}
		if r.Body != nil && r.Body != http.NoBody {
			body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
			if err != nil {
				var tooBig *http.MaxBytesError
				if errors.As(err, &tooBig) {
					problem.Write(w, r, problem.New(http.StatusRequestEntityTooLarge, problem.TypeTooLarge,
						"Request too large", fmt.Sprintf("The body exceeds %d bytes.", maxBody)))
					return
				}
				problem.Write(w, r, problem.Validation("The request body could not be read."))
				return
			}
			if path, found := ScanJSON(body); found {
				refuse(w, r, "body field "+quote(path))
				return
			}
			r.Body = io.NopCloser(bytes.NewReader(body))
			r.ContentLength = int64(len(body))
			r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
		}
		next.ServeHTTP(w, r)
	})
}

func scanRequestLine(r *http.Request) (string, bool) {
	if ContainsPAN(r.URL.Path) {
		return "the URL path", true
	}
	for k, vs := range r.URL.Query() {
		if ContainsPAN(k) {
			return "a query parameter name", true
		}
		for _, v := range vs {
			if ContainsPAN(v) {
				return "query parameter " + quote(k), true
			}
		}
	}
	for k, vs := range r.Header {
		if k == "Authorization" || k == "Cookie" {
			continue
		}
		for _, v := range vs {
			if ContainsPAN(v) {
				return "header " + quote(k), true
			}
		}
	}
	return "", false
}

func refuse(w http.ResponseWriter, r *http.Request, where string) {
	problem.Write(w, r, problem.New(http.StatusBadRequest, problem.TypeCardData, "Card data refused",
		where+" holds what looks like a payment card number. This API never accepts card numbers: "+
			"tokenize the card with the payment provider and send the provider's payment-method token.").
		With("field", where))
}

func quote(s string) string {
	if len(s) > 100 {
		s = s[:100] + "…"
	}
	return fmt.Sprintf("%q", s)
}
