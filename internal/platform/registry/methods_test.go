package registry

import (
	"net/http"
	"strings"
	"testing"
)

// TestWrongMethodIs405 checks a route called with a method it does not serve answers 405 with
// an Allow header and Confluent's error body, while a path no route serves stays 404.
func TestWrongMethodIs405(t *testing.T) {
	t.Parallel()
	_, cl, srv := start(t, transitive)
	mustRegister(t, cl, "s-value", resV1)

	cases := []struct{ method, path, allow string }{
		{"PUT", "/subjects/s-value/versions", "GET, POST"},
		{"GET", "/compatibility/subjects/s-value/versions", "POST"},
		{"DELETE", "/schemas/ids/1", "GET"},
		{"POST", "/config", "GET, PUT, DELETE"},
		{"PATCH", "/subjects/s-value", "POST, DELETE"},
	}
	for _, c := range cases {
		status, got, hdr := call(t, srv.URL, c.method, c.path, "", "")
		if status != http.StatusMethodNotAllowed || got["error_code"] != 405.0 || len(got) != 2 {
			t.Errorf("%s %s: %d %v, want 405 with error_code 405 and a message", c.method, c.path, status, got)
		}
		if msg, _ := got["message"].(string); !strings.Contains(msg, "Method Not Allowed") {
			t.Errorf("%s %s: message %q", c.method, c.path, msg)
		}
		if a := hdr.Get("Allow"); a != c.allow {
			t.Errorf("%s %s: Allow %q, want %q", c.method, c.path, a, c.allow)
		}
		if ct := hdr.Get("Content-Type"); ct != contentType {
			t.Errorf("%s %s: Content-Type %q", c.method, c.path, ct)
		}
	}

	status, got, hdr := call(t, srv.URL, "DELETE", "/nope", "", "")
	if status != http.StatusNotFound || got["error_code"] != 404.0 || hdr.Get("Allow") != "" {
		t.Errorf("DELETE /nope: %d %v Allow %q, want 404 without Allow", status, got, hdr.Get("Allow"))
	}
}

// TestAcceptsConfluentClientBodies replays what Confluent's clients send beside the fields we
// read: Confluent's registry ignores unknown request fields, and so must we, or a newer
// client (or one that sends its compatibility wish along) is refused. The sequence is
// @kafkajs/confluent-schema-registry's register(): read the subject's config (404 on a new
// subject), register, then set the subject's level.
func TestAcceptsConfluentClientBodies(t *testing.T) {
	t.Parallel()
	_, _, srv := start(t, transitive)
	const vnd = contentType

	status, got, _ := call(t, srv.URL, "GET", "/config/new-value", "", "")
	if status != http.StatusNotFound || got["error_code"] != 40408.0 {
		t.Fatalf("config of a new subject: %d %v, want 404 40408 (what kafkajs reads as first registration)", status, got)
	}
	steps := []struct {
		name, method, path, body string
		want                     map[string]any
	}{
		{"register with fields we do not read", "POST", "/subjects/new-value/versions?normalize=true",
			schemaBody(t, map[string]any{"schema": resV1, "compatibility": "BACKWARD", "normalize": true, "schemaTagsToAdd": []any{}}),
			map[string]any{"id": 1.0}},
		{"lookup with fields we do not read", "POST", "/subjects/new-value?deleted=false",
			schemaBody(t, map[string]any{"schema": resV1, "schemaType": "AVRO", "propagateSchemaTags": false}),
			map[string]any{"subject": "new-value", "version": 1.0, "id": 1.0, "schema": resV1}},
		{"config with Confluent's other config fields", "PUT", "/config/new-value",
			`{"compatibility":"BACKWARD_TRANSITIVE","normalize":false,"compatibilityGroup":null,"alias":null}`,
			map[string]any{"compatibility": "BACKWARD_TRANSITIVE"}},
		{"kafkajs' default level, lower case", "PUT", "/config/new-value", `{"compatibility":"backward"}`,
			map[string]any{"compatibility": "BACKWARD"}},
		{"the subject's level as kafkajs compares it", "GET", "/config/new-value", "",
			map[string]any{"compatibilityLevel": "BACKWARD"}},
	}
	for _, s := range steps {
		status, got, _ := call(t, srv.URL, s.method, s.path, vnd, s.body)
		if status != http.StatusOK || len(got) != len(s.want) {
			t.Errorf("%s: %d %v, want 200 %v", s.name, status, got, s.want)
			continue
		}
		for k, v := range s.want {
			if got[k] != v {
				t.Errorf("%s: %s = %v, want %v", s.name, k, got[k], v)
			}
		}
	}
}
