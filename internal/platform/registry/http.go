package registry

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
)

// contentType is what Confluent answers with. Requests may use it, its unversioned form or
// plain application/json: bodies are read as JSON whatever they claim.
const contentType = "application/vnd.schemaregistry.v1+json"

// maxBody bounds request bodies; Avro schemas are a few KiB.
const maxBody = 8 << 20

// handlerFunc returns a value to send as JSON (or rawJSON to send as is), or an error.
type handlerFunc func(*http.Request) (any, *apiError)

// rawJSON is sent without re-encoding (the /schema routes return the schema text itself).
type rawJSON string

// Handler serves the Confluent REST API.
func (r *Registry) Handler() http.Handler {
	mux := http.NewServeMux()
	handle := func(pattern string, fn handlerFunc) { mux.Handle(pattern, r.wrap(fn)) }

	handle("GET /{$}", func(*http.Request) (any, *apiError) { return struct{}{}, nil })

	handle("GET /schemas/types", func(*http.Request) (any, *apiError) { return []string{"AVRO"}, nil })
	handle("GET /schemas", r.handleAllSchemas)
	handle("GET /schemas/ids/{id}", r.handleSchemaByID)
	handle("GET /schemas/ids/{id}/schema", r.handleSchemaTextByID)
	handle("GET /schemas/ids/{id}/versions", r.handleVersionsByID)
	handle("GET /schemas/ids/{id}/subjects", r.handleSubjectsByID)

	handle("GET /subjects", r.handleSubjects)
	handle("POST /subjects/{subject}", r.handleLookup)
	handle("DELETE /subjects/{subject}", r.handleDeleteSubject)
	handle("GET /subjects/{subject}/versions", r.handleVersions)
	handle("POST /subjects/{subject}/versions", r.handleRegister)
	handle("GET /subjects/{subject}/versions/{version}", r.handleVersion)
	handle("GET /subjects/{subject}/versions/{version}/schema", r.handleVersionText)
	handle("GET /subjects/{subject}/versions/{version}/referencedby", r.handleReferencedBy)
	handle("DELETE /subjects/{subject}/versions/{version}", r.handleDeleteVersion)

	handle("GET /config", r.handleGetGlobalConfig)
	handle("PUT /config", r.handlePutGlobalConfig)
	handle("DELETE /config", r.handleDeleteGlobalConfig)
	handle("GET /config/{subject}", r.handleGetSubjectConfig)
	handle("PUT /config/{subject}", r.handlePutSubjectConfig)
	handle("DELETE /config/{subject}", r.handleDeleteSubjectConfig)

	handle("POST /compatibility/subjects/{subject}/versions/{version}", r.handleCheckVersion)
	handle("POST /compatibility/subjects/{subject}/versions", r.handleCheckAll)

	handle("GET /mode", handleGetMode)
	handle("PUT /mode", handlePutMode)
	handle("GET /mode/{subject}", handleGetMode)
	handle("PUT /mode/{subject}", handlePutMode)
	handle("DELETE /mode/{subject}", handleGetMode)

	mux.Handle("/", r.unrouted(mux))
	return mux
}

// routeMethods are the methods the routes above use, in the order an Allow header lists them.
var routeMethods = []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete}

// unrouted answers what no route matched. A path that a route serves under another method is
// 405 with an Allow header, as Confluent's registry answers (clients tell a wrong verb from a
// missing subject by it); anything else is 404.
func (r *Registry) unrouted(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		var allow []string
		for _, m := range routeMethods {
			probe := req.Clone(req.Context())
			probe.Method = m
			if _, pattern := mux.Handler(probe); pattern != "/" && pattern != "" { // "": a redirect
				allow = append(allow, m)
			}
		}
		aerr := &apiError{http.StatusNotFound, "HTTP 404 Not Found: " + req.Method + " " + req.URL.Path}
		if len(allow) > 0 {
			w.Header().Set("Allow", strings.Join(allow, ", "))
			aerr = &apiError{http.StatusMethodNotAllowed, "HTTP 405 Method Not Allowed: " + req.Method + " " + req.URL.Path}
		}
		r.wrap(func(*http.Request) (any, *apiError) { return nil, aerr }).ServeHTTP(w, req)
	})
}

func (r *Registry) wrap(fn handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		v, aerr := fn(req)
		w.Header().Set("Content-Type", contentType)
		if aerr != nil {
			if aerr.status() >= 500 {
				r.log.ErrorContext(req.Context(), "schema registry request failed",
					"method", req.Method, "path", req.URL.Path, "error", aerr.Message)
			}
			w.WriteHeader(aerr.status())
			_ = json.NewEncoder(w).Encode(aerr)
			return
		}
		if raw, ok := v.(rawJSON); ok {
			_, _ = w.Write([]byte(raw))
			return
		}
		_ = json.NewEncoder(w).Encode(v)
	})
}

// decodeBody reads a JSON request body into v.
func decodeBody(req *http.Request, v any) *apiError {
	body := http.MaxBytesReader(nil, req.Body, maxBody)
	if err := json.NewDecoder(body).Decode(v); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return &apiError{codeSchemaTooLarge, "Request body is larger than 8 MiB"}
		}
		return errBadRequest("Request body is not valid JSON: %v", err)
	}
	return nil
}

// flag reads a boolean query parameter (Confluent's ?deleted=true, ?permanent=true, ...).
func flag(req *http.Request, name string) bool {
	return strings.EqualFold(req.URL.Query().Get(name), "true")
}

// parseVersion reads a version path segment: a number from 1 to 2^31-1, or "latest" / -1.
func parseVersion(raw string) (num int, latest bool, aerr *apiError) {
	if raw == "latest" || raw == "-1" {
		return 0, true, nil
	}
	n, err := strconv.ParseInt(raw, 10, 32)
	if err != nil || n < 1 {
		return 0, false, errInvalidVersion(raw)
	}
	return int(n), false, nil
}

func parseID(req *http.Request) (int, *apiError) {
	raw := req.PathValue("id")
	id, err := strconv.ParseInt(raw, 10, 32)
	if err != nil || id < 1 {
		return 0, &apiError{codeSchemaNotFound, "Schema " + raw + " not found"}
	}
	return int(id), nil
}
