package media

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

// TestOpenAPIListsEveryRoute keeps openapi.json and the routes in step.
func TestOpenAPIListsEveryRoute(t *testing.T) {
	t.Parallel()
	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(openAPI, &doc); err != nil {
		t.Fatalf("openapi.json: %v", err)
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
}
