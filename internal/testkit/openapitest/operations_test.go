package openapitest

import (
	"slices"
	"testing"
)

func TestOperationsListsMethodsAndPaths(t *testing.T) {
	t.Parallel()
	ops, err := Operations([]byte(`{"paths":{"/v1/a/{id}":{"get":{},"put":{},"parameters":[]},"/v1/b":{"post":{}}}}`))
	want := []string{"GET /v1/a/{id}", "POST /v1/b", "PUT /v1/a/{id}"}
	if err != nil || !slices.Equal(ops, want) {
		t.Errorf("Operations = %v, %v; want %v", ops, err, want)
	}
	if _, err := Operations([]byte(`{`)); err == nil {
		t.Error("a malformed document was read")
	}
}
