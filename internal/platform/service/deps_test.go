package service

import (
	"net/http"
	"testing"
)

// TestRequireStore names every missing dependency, in a stable order, and passes when none is.
func TestRequireStore(t *testing.T) {
	err := Deps{HTTP: http.NewServeMux()}.RequireStore("svc-x")
	if err == nil || err.Error() != "svc-x: Deps.DB, Deps.Serde, Deps.Topology required" {
		t.Fatalf("got %v", err)
	}
}
