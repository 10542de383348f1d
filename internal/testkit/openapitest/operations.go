package openapitest

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// Operations lists the operations an OpenAPI document describes as ServeMux patterns
// ("POST /v1/deposits"), sorted: what a service's routes must equal, so that the document
// lists no route the service does not serve (Wrap catches the converse).
func Operations(doc []byte) ([]string, error) {
	var d struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(doc, &d); err != nil {
		return nil, fmt.Errorf("openapitest: %w", err)
	}
	var ops []string
	for path, methods := range d.Paths {
		for m := range methods {
			switch m {
			case "get", "put", "post", "delete", "patch", "head", "options":
				ops = append(ops, strings.ToUpper(m)+" "+path)
			}
		}
	}
	slices.Sort(ops)
	return ops, nil
}
