package openapitest

import (
	"bytes"
	"io"
	"net/http"
)

// Reporter is where findings go; *testing.T and *testing.B are Reporters.
type Reporter interface {
	Helper()
	Errorf(format string, args ...any)
	Fatalf(format string, args ...any)
}

// Wrap returns h with every response checked against the OpenAPI document doc: each
// finding fails t with the method, path and status. GET /openapi.json (the document
// itself) is not checked. A document that does not load fails t at once.
func Wrap(t Reporter, doc []byte, h http.Handler) http.Handler {
	t.Helper()
	d, err := Load(doc)
	if err != nil {
		t.Fatalf("%v", err)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/openapi.json" {
			h.ServeHTTP(w, r)
			return
		}
		rec := &recorder{ResponseWriter: w}
		h.ServeHTTP(rec, r)
		resp := &http.Response{StatusCode: rec.code(), Header: w.Header().Clone(), Request: r,
			Body: io.NopCloser(bytes.NewReader(rec.body.Bytes()))}
		for _, f := range d.Check(r, resp, rec.body.Bytes()) {
			t.Errorf("openapi: %s %s answered %d: %s", r.Method, r.URL.Path, resp.StatusCode, f)
		}
	})
}

// recorder passes the response through and keeps its status and body.
type recorder struct {
	http.ResponseWriter
	status int
	body   bytes.Buffer
}

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	r.body.Write(b)
	return r.ResponseWriter.Write(b)
}

func (r *recorder) code() int {
	if r.status == 0 {
		return http.StatusOK
	}
	return r.status
}

// Unwrap lets http.ResponseController reach the connection's writer (flush, deadlines).
func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }
