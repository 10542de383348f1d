package problem_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/novatrek/support/internal/platform/problem"
)

func TestWrite(t *testing.T) {
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodPost, "/v1/payments/deposits", nil)
	p := problem.Validation("amount is invalid", problem.FieldError{Field: "amount.amount", Reason: "not a decimal"}).
		With("type", "ignored: standard members win")
	problem.Write(rec, req, p)

	if rec.Code != http.StatusBadRequest {
		t.Fatalf("status = %d", rec.Code)
	}
	if ct := rec.Header().Get("Content-Type"); !problem.Is(ct) {
		t.Fatalf("Content-Type = %q", ct)
	}
	var got map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"type": problem.TypeValidation, "title": "Invalid request", "status": float64(400),
		"detail": "amount is invalid", "instance": "/v1/payments/deposits",
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %v; want %v", k, got[k], v)
		}
	}
	errs, ok := got["errors"].([]any)
	if !ok || len(errs) != 1 {
		t.Fatalf("errors = %v", got["errors"])
	}
}

func TestUnauthorizedSetsChallenge(t *testing.T) {
	rec := httptest.NewRecorder()
	problem.Write(rec, nil, problem.New(http.StatusUnauthorized, problem.TypeUnauthenticated, "Unauthenticated", ""))
	if rec.Header().Get("WWW-Authenticate") == "" {
		t.Fatal("401 without WWW-Authenticate")
	}
	var got map[string]any
	_ = json.Unmarshal(rec.Body.Bytes(), &got)
	if _, ok := got["detail"]; ok {
		t.Errorf("empty detail serialized: %v", got)
	}
}
