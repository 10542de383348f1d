package registry

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"reflect"
	"strings"
	"testing"
)

// call sends one raw request and decodes the JSON answer.
func call(t *testing.T, baseURL, method, path, contentType, body string) (int, map[string]any, http.Header) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, baseURL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]any
	if len(raw) > 0 && raw[0] == '{' {
		if err := json.Unmarshal(raw, &out); err != nil {
			t.Fatalf("%s %s: answer is not JSON: %s", method, path, raw)
		}
	} else {
		out = map[string]any{"raw": string(raw)}
	}
	return resp.StatusCode, out, resp.Header
}

func decoded(t *testing.T, text string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(text), &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func schemaBody(t *testing.T, fields map[string]any) string {
	t.Helper()
	b, err := json.Marshal(fields)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestConfluentShapes pins the exact JSON, status codes and content type Confluent clients see.
func TestConfluentShapes(t *testing.T) {
	t.Parallel()
	_, _, srv := start(t, transitive)
	const vnd = "application/vnd.schemaregistry.v1+json"
	url := srv.URL

	ok := []struct {
		name, method, path, contentType, body string
		want                                  map[string]any
	}{
		{"register (plain JSON content type)", "POST", "/subjects/s-value/versions", "application/json",
			schemaBody(t, map[string]any{"schema": resV1}), map[string]any{"id": 1.0}},
		{"register again with Confluent's null fields", "POST", "/subjects/s-value/versions", vnd,
			schemaBody(t, map[string]any{"schema": resV1, "schemaType": "AVRO", "references": []any{}, "metadata": nil, "ruleSet": nil}),
			map[string]any{"id": 1.0}},
		{"lookup", "POST", "/subjects/s-value", vnd, schemaBody(t, map[string]any{"schema": resV1}),
			map[string]any{"subject": "s-value", "version": 1.0, "id": 1.0, "schema": resV1}},
		{"version", "GET", "/subjects/s-value/versions/1", "", "",
			map[string]any{"subject": "s-value", "version": 1.0, "id": 1.0, "schema": resV1}},
		{"latest", "GET", "/subjects/s-value/versions/latest", "", "",
			map[string]any{"subject": "s-value", "version": 1.0, "id": 1.0, "schema": resV1}},
		{"schema by id", "GET", "/schemas/ids/1", "", "", map[string]any{"schema": resV1}},
		{"schema by id with maxId", "GET", "/schemas/ids/1?fetchMaxId=true", "", "", map[string]any{"schema": resV1, "maxId": 1.0}},
		{"schema text", "GET", "/schemas/ids/1/schema", "", "", decoded(t, resV1)},
		{"version schema text", "GET", "/subjects/s-value/versions/1/schema", "", "", decoded(t, resV1)},
		{"config", "GET", "/config", "", "", map[string]any{"compatibilityLevel": "BACKWARD_TRANSITIVE"}},
		{"set subject config", "PUT", "/config/s-value", vnd, `{"compatibility":"backward_transitive"}`,
			map[string]any{"compatibility": "BACKWARD_TRANSITIVE"}},
		{"mode", "GET", "/mode", "", "", map[string]any{"mode": "READWRITE"}},
		{"check, verbose", "POST", "/compatibility/subjects/s-value/versions/latest?verbose=true", vnd,
			schemaBody(t, map[string]any{"schema": resNoDef}),
			map[string]any{"is_compatible": false, "messages": []any{
				`incompatible with version 1 (BACKWARD_TRANSITIVE): field "party_size" has no default and is missing from data written with version 1`}}},
		{"root", "GET", "/", "", "", map[string]any{}},
	}
	for _, c := range ok {
		status, got, hdr := call(t, url, c.method, c.path, c.contentType, c.body)
		if status != http.StatusOK || !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: %d %v, want 200 %v", c.name, status, got, c.want)
		}
		if ct := hdr.Get("Content-Type"); ct != vnd {
			t.Errorf("%s: Content-Type %q", c.name, ct)
		}
	}

	bad := []struct {
		name, method, path, body string
		status, code             int
		message                  string // substring
	}{
		{"unknown subject", "GET", "/subjects/nope/versions/1", "", 404, 40401, "Subject 'nope' not found."},
		{"unknown version", "GET", "/subjects/s-value/versions/9", "", 404, 40402, "Version 9 not found."},
		{"unknown id", "GET", "/schemas/ids/99", "", 404, 40403, "Schema 99 not found"},
		{"lookup of an unregistered schema", "POST", "/subjects/s-value", schemaBody(t, map[string]any{"schema": resV2}), 404, 40403, "Schema not found"},
		{"invalid version", "GET", "/subjects/s-value/versions/zero", "", 422, 42202, "'zero' is not a valid version"},
		{"version 0", "GET", "/subjects/s-value/versions/0", "", 422, 42202, "not a valid version"},
		{"invalid level", "PUT", "/config", `{"compatibility":"SIDEWAYS"}`, 422, 42203, "SIDEWAYS"},
		{"invalid schema", "POST", "/subjects/s-value/versions", schemaBody(t, map[string]any{"schema": `{"type":"record","name":"X"}`}), 422, 42201, "Invalid schema"},
		{"empty schema", "POST", "/subjects/s-value/versions", `{}`, 422, 42201, "empty schema"},
		{"protobuf", "POST", "/subjects/s-value/versions", schemaBody(t, map[string]any{"schema": "syntax = \"proto3\";", "schemaType": "PROTOBUF"}), 422, 42201, "AVRO only"},
		{"references", "POST", "/subjects/s-value/versions", schemaBody(t, map[string]any{"schema": `"com.x.Y"`, "references": []any{map[string]any{"name": "com.x.Y", "subject": "y", "version": 1}}}), 422, 42201, "references are not supported"},
		{"reference to a type another subject defines", "POST", "/subjects/t-value/versions", schemaBody(t, map[string]any{"schema": `{"type":"record","name":"T","fields":[{"name":"r","type":"com.novatrek.Reservation"}]}`}), 422, 42201, "unknown type"},
		{"incompatible", "POST", "/subjects/s-value/versions", schemaBody(t, map[string]any{"schema": resNoDef}), 409, 409, `field "party_size" has no default`},
		{"chosen id", "POST", "/subjects/s-value/versions", schemaBody(t, map[string]any{"schema": resV2, "id": 42}), 422, 42205, "IMPORT mode is not supported"},
		{"import mode", "PUT", "/mode", `{"mode":"IMPORT"}`, 422, 42204, "READWRITE only"},
		{"subject config not set", "GET", "/config/other", "", 404, 40408, "does not have subject-level compatibility"},
		{"bad JSON", "POST", "/subjects/s-value/versions", `{"schema":`, 400, 400, "not valid JSON"},
		{"unknown route", "GET", "/nope", "", 404, 404, "Not Found"},
	}
	for _, c := range bad {
		status, got, hdr := call(t, url, c.method, c.path, vnd, c.body)
		if status != c.status || got["error_code"] != float64(c.code) || len(got) != 2 {
			t.Errorf("%s: %d %v, want %d with error_code %d and message", c.name, status, got, c.status, c.code)
			continue
		}
		if msg, _ := got["message"].(string); !strings.Contains(msg, c.message) {
			t.Errorf("%s: message %q does not contain %q", c.name, msg, c.message)
		}
		if ct := hdr.Get("Content-Type"); ct != vnd {
			t.Errorf("%s: Content-Type %q", c.name, ct)
		}
	}
}

// TestSubjectWithSlash checks an escaped slash stays inside the subject name.
func TestSubjectWithSlash(t *testing.T) {
	t.Parallel()
	_, cl, srv := start(t, Config{})
	id := mustRegister(t, cl, "team/a-value", resV1)
	status, got, _ := call(t, srv.URL, "GET", "/subjects/team%2Fa-value/versions/1", "", "")
	if status != 200 || got["subject"] != "team/a-value" || got["id"] != float64(id) {
		t.Errorf("GET escaped subject: %d %v", status, got)
	}
}

// TestFailedWriteRollsBack checks a registration that cannot be persisted is refused with
// 50001 and leaves no trace, so a restart can never hand its id out twice.
func TestFailedWriteRollsBack(t *testing.T) {
	t.Parallel()
	dir := t.TempDir() + "/state"
	_, cl, _ := start(t, Config{Dir: dir})
	first := mustRegister(t, cl, "a-value", resV1)

	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	_, err := cl.RegisterSchema(t.Context(), "b-value", avroSchema(`"string"`), -1, -1)
	wantCode(t, err, 50001)
	_, err = cl.SubjectVersions(t.Context(), "b-value")
	wantCode(t, err, 40401)

	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if id := mustRegister(t, cl, "b-value", `"string"`); id != first+1 {
		t.Errorf("after recovery: id %d, want %d", id, first+1)
	}
	_, cl2, _ := start(t, Config{Dir: dir})
	if ss, err := cl2.SchemaByVersion(t.Context(), "a-value", 1); err != nil || ss.ID != first {
		t.Errorf("state written after recovery lost a-value: %+v, %v", ss, err)
	}
}
