package httpedge_test

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/novatrek/support/internal/platform/httpedge"
	"github.com/novatrek/support/internal/platform/problem"
	"github.com/novatrek/support/internal/testkit/logtest"
)

// edge serves a small API behind the edge on a real listener: GET /boom panics, /echo
// returns the body it read, /v1/things/{id} takes GET and PUT.
type edge struct {
	t       *testing.T
	srv     *httptest.Server
	reg     *prometheus.Registry
	logs    *logtest.Buffer
	reached atomic.Int32
}

func newEdge(t *testing.T, maxBody int64) *edge {
	t.Helper()
	e := &edge{t: t, reg: prometheus.NewRegistry(), logs: &logtest.Buffer{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /boom", func(http.ResponseWriter, *http.Request) {
		var m map[string]int
		m["x"]++
	})
	mux.HandleFunc("POST /echo", func(w http.ResponseWriter, r *http.Request) {
		e.reached.Add(1)
		io.Copy(w, r.Body)
	})
	mux.HandleFunc("GET /v1/things/{id}", func(w http.ResponseWriter, r *http.Request) { e.reached.Add(1) })
	mux.HandleFunc("PUT /v1/things/{id}", func(w http.ResponseWriter, r *http.Request) { e.reached.Add(1) })
	ed, err := httpedge.New(httpedge.Config{Logger: slog.New(slog.NewTextHandler(e.logs, nil)), Metrics: e.reg, MaxBody: maxBody})
	if err != nil {
		t.Fatal(err)
	}
	e.srv = httptest.NewServer(ed.Wrap(mux))
	t.Cleanup(e.srv.Close)
	return e
}

type answer struct {
	status int
	header http.Header
	body   []byte
	doc    map[string]any
}

// do sends a request; path is sent as written (raw escapes included).
func (e *edge) do(method, path string, body []byte, hdr ...string) answer {
	e.t.Helper()
	req, err := http.NewRequest(method, e.srv.URL+path, bytes.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	if body == nil {
		req.Body = nil
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	a := answer{status: resp.StatusCode, header: resp.Header}
	a.body, _ = io.ReadAll(resp.Body)
	if problem.Is(resp.Header.Get("Content-Type")) {
		if err := json.Unmarshal(a.body, &a.doc); err != nil {
			e.t.Fatalf("%s %s: problem that is not JSON: %s", method, path, a.body)
		}
	}
	return a
}

// isProblem fails unless a is a problem+json of the status and type.
func (a answer) isProblem(t *testing.T, what string, status int, typ string) {
	t.Helper()
	if a.status != status || a.doc == nil || a.doc["type"] != typ {
		t.Errorf("%s: %d %s %s; want %d problem+json of type %s", what, a.status, a.header.Get("Content-Type"), a.body, status, typ)
	}
}

func TestPanicAnswers500AndTheServerKeepsServing(t *testing.T) {
	t.Parallel()
	e := newEdge(t, 0)
	a := e.do("GET", "/boom", nil, "X-Request-Id", "req-42")
	a.isProblem(t, "panic", http.StatusInternalServerError, problem.TypeInternal)
	if a.doc["request_id"] != "req-42" || a.header.Get(httpedge.HeaderRequestID) != "req-42" {
		t.Errorf("request id: body %v, header %q; want req-42 in both", a.doc["request_id"], a.header.Get(httpedge.HeaderRequestID))
	}
	if !strings.Contains(e.logs.String(), "HTTP handler panicked") || !strings.Contains(e.logs.String(), "edge_test.go") ||
		!strings.Contains(e.logs.String(), "request_id=req-42") {
		t.Errorf("the panic is not logged with its stack and request id: %s", e.logs)
	}
	// A fresh id when the caller sent none, and the server still answers.
	a = e.do("GET", "/boom", nil)
	if id := a.header.Get(httpedge.HeaderRequestID); id == "" || a.doc["request_id"] != id {
		t.Errorf("generated request id: body %v, header %q", a.doc["request_id"], id)
	}
	if a := e.do("GET", "/v1/things/1", nil); a.status != http.StatusOK {
		t.Errorf("after two panics: %d", a.status)
	}
	if got := metricSum(t, e.reg, "novatrek_http_panics_total"); got != 2 {
		t.Errorf("novatrek_http_panics_total = %v, want 2", got)
	}
}

// metricSum is the sum of a counter's series.
func metricSum(t *testing.T, reg *prometheus.Registry, name string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var sum float64
	for _, mf := range mfs {
		if mf.GetName() == name {
			for _, m := range mf.GetMetric() {
				sum += m.GetCounter().GetValue()
			}
		}
	}
	return sum
}

func TestUnknownRoutesAndMethodsAreProblems(t *testing.T) {
	t.Parallel()
	e := newEdge(t, 0)
	e.do("GET", "/v2/nothing", nil).isProblem(t, "unknown route", http.StatusNotFound, problem.TypeNotFound)
	a := e.do("DELETE", "/v1/things/1", nil)
	a.isProblem(t, "wrong method", http.StatusMethodNotAllowed, problem.TypeMethodNotAllowed)
	if allow := a.header.Get("Allow"); !strings.Contains(allow, "GET") || !strings.Contains(allow, "PUT") {
		t.Errorf("Allow %q; want GET and PUT", allow)
	}
}

func TestOversizeBodyIs413(t *testing.T) {
	t.Parallel()
	e := newEdge(t, 1024)
	e.do("POST", "/echo", bytes.Repeat([]byte("a"), 2000)).isProblem(t, "oversize", http.StatusRequestEntityTooLarge, problem.TypeTooLarge)
	if a := e.do("POST", "/echo", []byte(`{"ok":true}`)); a.status != http.StatusOK || string(a.body) != `{"ok":true}` {
		t.Errorf("small body: %d %s; want it echoed", a.status, a.body)
	}
}

func TestNULAndInvalidUTF8Are400(t *testing.T) {
	t.Parallel()
	e := newEdge(t, 0)
	for name, a := range map[string]answer{
		"JSON \\u0000":        e.do("POST", "/echo", []byte(`{"name":"Gia\u0000"}`)),
		"JSON key \\u0000":    e.do("POST", "/echo", []byte(`{"na\u0000me":"Gia"}`)),
		"raw NUL":             e.do("POST", "/echo", []byte("{\"name\":\"Gia\x00\"}")),
		"invalid UTF-8":       e.do("POST", "/echo", []byte("{\"name\":\"Gia\xff\"}")),
		"NUL in a path":       e.do("GET", "/v1/things/GUEST:g%00", nil),
		"bad UTF-8 in a path": e.do("GET", "/v1/things/%ff%fe", nil),
		"NUL in the query":    e.do("GET", "/v1/things/1?q=%00", nil),
	} {
		a.isProblem(t, name, http.StatusBadRequest, problem.TypeValidation)
	}
	if e.reached.Load() != 0 {
		t.Errorf("handlers ran %d times", e.reached.Load())
	}
	// An escaped backslash before u0000 is ordinary text.
	if a := e.do("POST", "/echo", []byte(`{"note":"C:\\u0000"}`)); a.status != http.StatusOK {
		t.Errorf("escaped backslash: %d %s", a.status, a.body)
	}
}

// TestCardNumbersRefusedNeverEchoed: every part of a request is screened, and the refusal
// names where, never what — not in the field, the detail or the instance.
func TestCardNumbersRefusedNeverEchoed(t *testing.T) {
	t.Parallel()
	e := newEdge(t, 0)
	for name, a := range map[string]answer{
		"body value":     e.do("POST", "/echo", []byte(`{"note":"4242 4242 4242 4242"}`)),
		"body key":       e.do("POST", "/echo", []byte(`{"4111111111111111":1}`)),
		"dotted in body": e.do("POST", "/echo", []byte(`{"note":"4111.1111.1111.1111"}`)),
		"full-width":     e.do("POST", "/echo", []byte(`{"note":"４１１１１１１１１１１１１１１１"}`)),
		"path":           e.do("GET", "/v1/things/4111111111111111", nil),
		"path, unknown":  e.do("GET", "/v1/payments/4111111111111111", nil),
		"query":          e.do("GET", "/v1/things/1?q=4111111111111111", nil),
		"header":         e.do("POST", "/echo", []byte(`{}`), "Idempotency-Key", "4111-1111-1111-1111"),
	} {
		if a.status != http.StatusBadRequest && a.status != http.StatusNotFound {
			t.Errorf("%s: %d %s", name, a.status, a.body)
		}
		if a.doc == nil {
			t.Errorf("%s: not a problem: %s", name, a.body)
		}
		if strings.Contains(strings.NewReplacer(".", "", " ", "", "-", "").Replace(string(a.body)), "4111111111111111") ||
			strings.Contains(string(a.body), "4242") || strings.Contains(string(a.body), "１１１１") {
			t.Errorf("%s: the answer echoes the card number: %s", name, a.body)
		}
	}
	if e.reached.Load() != 0 {
		t.Errorf("handlers ran %d times", e.reached.Load())
	}
}
