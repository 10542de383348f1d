package payments

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
)

// TestOpenAPIListsEveryRoute keeps /openapi.json and the mux in step.
func TestOpenAPIListsEveryRoute(t *testing.T) {
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(openAPI, &doc); err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Errorf("openapi = %q", doc.OpenAPI)
	}
	var documented, served []string
	for path, ops := range doc.Paths {
		for method := range ops {
			documented = append(documented, strings.ToUpper(method)+" "+path)
		}
	}
	for _, r := range routes {
		served = append(served, r.Pattern)
	}
	slices.Sort(documented)
	slices.Sort(served)
	if !slices.Equal(documented, served) {
		t.Fatalf("openapi.json documents\n%s\nbut the API serves\n%s", strings.Join(documented, "\n"), strings.Join(served, "\n"))
	}
	if len(served) != 12 {
		t.Errorf("%d endpoints; the spec says 12", len(served))
	}
}

func TestOpenAPIIsServedWithoutAuth(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	r := h.call("GET", "/openapi.json", "", "", nil)
	if r.status != http.StatusOK || r.json["openapi"] == nil {
		t.Fatalf("GET /openapi.json = %d", r.status)
	}
}
