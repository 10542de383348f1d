package httpedge

import (
	"fmt"
	"net/http"

	"github.com/novatrek/support/internal/platform/pci"
	"github.com/novatrek/support/internal/platform/problem"
)

// cardScreen refuses, with 400 of type problem.TypeCardData, any request carrying a card
// number in its path, query, JSON body or a header (other than Authorization and Cookie,
// which carry credentials). Each value is screened whole (pci.ValueHoldsPAN, pci.PathHoldsPAN
// for the path's segments): one that is wholly a long hex token (a digest, a UUID without
// dashes, an idempotency key or request id drawn at random) is an identifier, not a card
// number, although a random one starts or ends with a Luhn-valid digit run about once in
// 4,000. It runs before any handler, store or log line sees the request; the refusal names
// where the number was, never the number (a JSON key holding one is named pci.RedactedKey).
func cardScreen(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if where, found := scanRequestLine(r); found {
			refuse(w, r, where)
			return
		}
		if b := body(r); len(b) > 0 {
			if path, found := pci.ScanJSON(b); found {
				refuse(w, r, "body field "+quote(path))
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

func scanRequestLine(r *http.Request) (string, bool) {
	if pci.PathHoldsPAN(r.URL.Path) {
		return "the URL path", true
	}
	for k, v := range queryPairs(r.URL.RawQuery) {
		if pci.ValueHoldsPAN(k) {
			return "a query parameter name", true
		}
		if pci.ValueHoldsPAN(v) {
			return "query parameter " + quote(k), true
		}
	}
	for k, vs := range r.Header {
		if k == "Authorization" || k == "Cookie" {
			continue
		}
		for _, v := range vs {
			if pci.ValueHoldsPAN(v) {
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
