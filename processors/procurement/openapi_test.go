package procurement

import (
	"slices"
	"testing"

	"github.com/novatrek/support/internal/testkit/openapitest"
)

// TestOpenAPIListsTheEightRoutes: openapi.json documents exactly the routes served, and they
// are the spec's eight.
func TestOpenAPIListsTheEightRoutes(t *testing.T) {
	t.Parallel()
	documented, err := openapitest.Operations(openAPI)
	if err != nil {
		t.Fatal(err)
	}
	var served []string
	for _, r := range routes {
		served = append(served, r.Pattern)
	}
	slices.Sort(served)
	if !slices.Equal(documented, served) || len(served) != 8 {
		t.Errorf("openapi.json documents %v; the API serves %v (the spec says 8)", documented, served)
	}
}
