package httpedge

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/novatrek/support/internal/platform/problem"
)

type bodyKey struct{}

// body returns the request body the edge buffered (nil when there was none).
func body(r *http.Request) []byte {
	b, _ := r.Context().Value(bodyKey{}).([]byte)
	return b
}

// limitBody reads the whole body, up to the edge's limit, before any handler runs: a larger
// body answers 413 on every service, and the screens after it look at the bytes the handler
// will get. The handler reads the same bytes from a fresh reader.
func (e *Edge) limitBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body == nil || r.Body == http.NoBody {
			next.ServeHTTP(w, r)
			return
		}
		if r.ContentLength > e.maxBody {
			e.tooLarge(w, r)
			return
		}
		b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, e.maxBody))
		if err != nil {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				e.tooLarge(w, r)
				return
			}
			problem.Write(w, r, problem.Validation("The request body could not be read."))
			return
		}
		r = r.WithContext(context.WithValue(r.Context(), bodyKey{}, b))
		r.Body = io.NopCloser(bytes.NewReader(b))
		r.ContentLength = int64(len(b))
		r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
		next.ServeHTTP(w, r)
	})
}

func (e *Edge) tooLarge(w http.ResponseWriter, r *http.Request) {
	problem.Write(w, r, problem.New(http.StatusRequestEntityTooLarge, problem.TypeTooLarge,
		"Request too large", fmt.Sprintf("The body exceeds %d bytes.", e.maxBody)))
}
