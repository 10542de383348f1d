package httpedge_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/novatrek/support/internal/platform/httpedge"
)

// TestUnreachableStoreIsA503: a handler failing because PostgreSQL cannot be reached (a
// refused connection, a server shutting down, too many connections) answers 503 with
// Retry-After, which a caller retries; a statement the store refused on its merits (a
// unique violation) stays a 500.
func TestUnreachableStoreIsA503(t *testing.T) {
	t.Parallel()
	_, refused := pgx.Connect(context.Background(), "postgres://postgres@127.0.0.1:1/none?connect_timeout=2")
	if refused == nil {
		t.Fatal("connecting to port 1 succeeded")
	}
	for _, tc := range []struct {
		name string
		err  error
		want int
	}{
		{"connection refused", fmt.Errorf("load the member: %w", refused), http.StatusServiceUnavailable},
		{"admin shutdown", &pgconn.PgError{Code: "57P01", Message: "terminating connection due to administrator command"}, http.StatusServiceUnavailable},
		{"too many connections", &pgconn.PgError{Code: "53300", Message: "sorry, too many clients already"}, http.StatusServiceUnavailable},
		{"unique violation", &pgconn.PgError{Code: "23505", Message: "duplicate key value"}, http.StatusInternalServerError},
		{"a bug", errors.New("nil map"), http.StatusInternalServerError},
	} {
		h := httpedge.Handler(func(http.ResponseWriter, *http.Request) error { return tc.err }, nil)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/v1/members/g-1", nil))
		if rec.Code != tc.want {
			t.Errorf("%s: status %d, want %d (%s)", tc.name, rec.Code, tc.want, rec.Body)
		}
		if retry := rec.Header().Get("Retry-After"); (tc.want == http.StatusServiceUnavailable) != (retry != "") {
			t.Errorf("%s: Retry-After %q with status %d", tc.name, retry, rec.Code)
		}
	}
}
