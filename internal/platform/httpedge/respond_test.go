package httpedge_test

import (
	"math"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/novatrek/support/internal/platform/httpedge"
)

// TestWriteJSONWritesNothingWhenTheValueCannotBeEncoded: a NaN cannot be JSON, so the
// handler gets the error with the response unsent (the edge then answers a 500 problem),
// never a 200 with a truncated body.
func TestWriteJSONWritesNothingWhenTheValueCannotBeEncoded(t *testing.T) {
	t.Parallel()
	rec := httptest.NewRecorder()
	if err := httpedge.WriteJSON(rec, http.StatusOK, map[string]float64{"x": math.NaN()}); err == nil {
		t.Fatal("WriteJSON of a NaN returned no error")
	}
	if rec.Code != http.StatusOK || rec.Body.Len() != 0 || rec.Header().Get("Content-Type") != "" {
		t.Errorf("response was started: code %d, %d body bytes, content type %q", rec.Code, rec.Body.Len(), rec.Header().Get("Content-Type"))
	}

	rec = httptest.NewRecorder()
	if err := httpedge.WriteJSON(rec, http.StatusCreated, map[string]int{"n": 1}); err != nil {
		t.Fatal(err)
	}
	if rec.Code != http.StatusCreated || rec.Body.String() != "{\"n\":1}\n" || rec.Header().Get("Content-Type") != "application/json" {
		t.Errorf("WriteJSON = %d %q %q", rec.Code, rec.Header().Get("Content-Type"), rec.Body.String())
	}
}
