package registry

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/hamba/avro/v2"
)

// schemaEntry is one schema the registry knows, under one id.
type schemaEntry struct {
	id     int
	text   string      // exactly as first registered
	key    string      // identity: the parsed schema re-rendered, so formatting does not matter
	parsed avro.Schema // parsed once, for compatibility checks
}

// schemaRequest is the body of register, lookup and compatibility requests.
type schemaRequest struct {
	Schema     string            `json:"schema"`
	SchemaType string            `json:"schemaType"`
	References []json.RawMessage `json:"references"`
	Metadata   json.RawMessage   `json:"metadata"`
	RuleSet    json.RawMessage   `json:"ruleSet"`
	ID         int               `json:"id"`
	Version    int               `json:"version"`
}

// readSchemaRequest decodes the JSON body of a register, lookup or compatibility request,
// refuses what the registry does not support and parses the Avro schema.
func readSchemaRequest(hreq *http.Request) (*schemaRequest, *schemaEntry, *apiError) {
	var req schemaRequest
	if aerr := decodeBody(hreq, &req); aerr != nil {
		return nil, nil, aerr
	}
	entry, aerr := parseRequest(&req)
	if aerr != nil {
		return nil, nil, aerr
	}
	return &req, entry, nil
}

// parseRequest validates what the registry does not support and parses the Avro schema.
func parseRequest(req *schemaRequest) (*schemaEntry, *apiError) {
	switch t := strings.ToUpper(req.SchemaType); t {
	case "", "AVRO":
	default:
		return nil, errInvalidSchema("schema type %s is not supported: this registry accepts AVRO only", t)
	}
	if len(req.References) > 0 {
		return nil, errInvalidSchema("schema references are not supported by this registry; inline the referenced types")
	}
	if !isNull(req.Metadata) || !isNull(req.RuleSet) {
		return nil, errInvalidSchema("schema metadata and rule sets (data contracts) are not supported by this registry")
	}
	if strings.TrimSpace(req.Schema) == "" {
		return nil, errInvalidSchema("empty schema")
	}
	entry, err := parseSchema(req.Schema)
	if err != nil {
		return nil, errInvalidSchema("%v", err)
	}
	return entry, nil
}

// parseSchema parses text with a private name cache: hamba's default cache is global, so
// parsing there would let one subject's types leak into another's (a silent "reference") and
// let a later version of a record overwrite an earlier one for everybody in the process.
func parseSchema(text string) (*schemaEntry, error) {
	parsed, err := avro.ParseWithCache(text, "", &avro.SchemaCache{})
	if err != nil {
		return nil, err
	}
	key, err := json.Marshal(parsed)
	if err != nil {
		return nil, fmt.Errorf("rendering parsed schema: %w", err)
	}
	return &schemaEntry{text: text, key: string(key), parsed: parsed}, nil
}

func isNull(raw json.RawMessage) bool {
	s := strings.TrimSpace(string(raw))
	return s == "" || s == "null"
}
