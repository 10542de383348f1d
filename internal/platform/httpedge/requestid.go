package httpedge

import (
	"context"
	"net/http"
	"regexp"

	"github.com/google/uuid"

	"github.com/novatrek/support/internal/platform/pci"
)

// HeaderRequestID names the request id header, on requests and responses.
const HeaderRequestID = "X-Request-Id"

var requestIDPattern = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,100}$`)

type requestIDKey struct{}

// RequestID returns the request id the edge gave the request ("" outside the edge).
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

// requestID gives every request an id that support can find in the logs: the caller's
// X-Request-Id when it is well-formed (and not card-shaped: it is logged and echoed), a
// fresh UUID otherwise. It is sent back in the X-Request-Id response header. The request's
// own header is left as the caller sent it (payments records it as the causation id).
func requestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get(HeaderRequestID)
		if !requestIDPattern.MatchString(id) || pci.ValueHoldsPAN(id) {
			id = uuid.NewString()
		}
		w.Header().Set(HeaderRequestID, id)
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), requestIDKey{}, id)))
	})
}
