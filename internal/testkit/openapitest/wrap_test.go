package openapitest_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/novatrek/support/internal/testkit/openapitest"
)

// spec documents one route: GET /v1/things/{id} answers 200 with a Thing or 404 with a
// Problem.
const spec = `{
  "openapi": "3.1.0",
  "info": {"title": "things", "version": "1"},
  "paths": {
    "/v1/things/{id}": {
      "get": {
        "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string", "format": "uuid"}}],
        "responses": {
          "200": {"description": "the thing", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}}},
          "404": {"description": "no such thing", "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}}
        }
      }
    }
  },
  "components": {"schemas": {
    "Thing": {"type": "object", "required": ["id", "name"], "additionalProperties": false,
      "properties": {"id": {"type": "string", "format": "uuid"}, "name": {"type": "string"}}},
    "Problem": {"type": "object", "required": ["type", "title", "status"],
      "properties": {"type": {"type": "string"}, "title": {"type": "string"}, "status": {"type": "integer"},
        "detail": {"type": "string"}, "instance": {"type": "string"}}}
  }}
}`

// findings records what Wrap reports instead of failing the test.
type findings struct {
	mu  sync.Mutex
	got []string
}

func (f *findings) Helper() {}
func (f *findings) Errorf(format string, args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.got = append(f.got, fmt.Sprintf(format, args...))
}
func (f *findings) Fatalf(format string, args ...any) { panic(fmt.Sprintf(format, args...)) }

const id = "0b7e9c3e-6f0a-4c1e-9a51-3f1d2b7c4e5a"

func TestWrapReportsWhatTheDocumentDoesNotAllow(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name        string
		method      string
		path        string
		status      int
		contentType string
		body        string
		want        string // a substring of the one finding; "" for none
	}{
		{"documented answer", "GET", "/v1/things/" + id, 200, "application/json", `{"id":"` + id + `","name":"tent"}`, ""},
		{"wrong type", "GET", "/v1/things/" + id, 200, "application/json", `{"id":"` + id + `","name":7}`, "$.name: got number, want string"},
		{"missing required", "GET", "/v1/things/" + id, 200, "application/json", `{"id":"` + id + `"}`, "missing property 'name'"},
		{"undeclared property", "GET", "/v1/things/" + id, 200, "application/json", `{"id":"` + id + `","name":"t","x":1}`, "additional properties 'x'"},
		{"not a uuid", "GET", "/v1/things/" + id, 200, "application/json", `{"id":"nope","name":"t"}`, "$.id: 'nope' is not valid uuid"},
		{"undocumented status", "GET", "/v1/things/" + id, 500, "application/problem+json", `{"type":"t","title":"t","status":500}`, "response code '500' does not exist"},
		{"edge 404, a problem", "GET", "/v2/nothing", 404, "application/problem+json", `{"type":"t","title":"t","status":404}`, ""},
		{"edge 405, a problem", "DELETE", "/v1/things/" + id, 405, "application/problem+json", `{"type":"t","title":"t","status":405}`, ""},
		{"edge 404, status a string", "GET", "/v2/nothing", 404, "application/problem+json", `{"type":"t","title":"t","status":"404"}`, "$.status: got string, want integer"},
		{"undocumented route answered", "GET", "/v2/nothing", 200, "application/json", `{}`, "does not list"},
		{"the document itself", "GET", "/openapi.json", 200, "application/json", `{"anything":true}`, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			f := &findings{}
			h := openapitest.Wrap(f, []byte(spec), http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", c.contentType)
				w.WriteHeader(c.status)
				io.WriteString(w, c.body)
			}))
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(c.method, c.path, nil))
			if rec.Code != c.status || rec.Body.String() != c.body {
				t.Errorf("the response was changed: %d %s", rec.Code, rec.Body)
			}
			switch {
			case c.want == "" && len(f.got) > 0:
				t.Errorf("findings %q; want none", f.got)
			case c.want != "" && len(f.got) == 0:
				t.Errorf("no finding; want one naming %q", c.want)
			case c.want != "" && !strings.Contains(strings.Join(f.got, "\n"), c.want):
				t.Errorf("findings %q; want one naming %q", f.got, c.want)
			}
		})
	}
}

func TestADocumentThatDoesNotLoadIsAnError(t *testing.T) {
	t.Parallel()
	if _, err := openapitest.Load([]byte("{not json")); err == nil {
		t.Error("Load took a broken document")
	}
}
