package httpedge_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/novatrek/support/internal/platform/httpedge"
	"github.com/novatrek/support/internal/platform/idempotency"
	"github.com/novatrek/support/internal/platform/problem"
)

// TestDecodeJSONNamesTheField: payments' strict decoder wording, now the edge's, with the
// field also listed under "errors".
func TestDecodeJSONNamesTheField(t *testing.T) {
	t.Parallel()
	a := newAPI(t, true)
	for _, c := range []struct {
		name, body, detail, field string
		status                    int
	}{
		{"unknown field", `{"name":"tent","colour":"red"}`, `Unknown field "colour".`, "colour", http.StatusBadRequest},
		{"wrong type", `{"name":7}`, `Field "name" must be a string.`, "name", http.StatusBadRequest},
		{"trailing data", `{"name":"tent"} {"name":"x"}`, "The body holds more than one JSON value.", "", http.StatusBadRequest},
		{"not JSON", `{"name":"tent",}`, "The body is not valid JSON (at byte 16).", "", http.StatusBadRequest},
		{"truncated", `{"name":"te`, "The body is truncated JSON.", "", http.StatusBadRequest},
		{"too large", `{"name":"` + strings.Repeat("a", 2000) + `"}`, "The body exceeds 1024 bytes.", "", http.StatusRequestEntityTooLarge},
	} {
		got := a.do("POST", "/v1/things", []byte(c.body), "Authorization", bearerA, idempotency.Header, "k-"+c.name)
		typ := problem.TypeValidation
		if c.status == http.StatusRequestEntityTooLarge {
			typ = problem.TypeTooLarge
		}
		got.isProblem(t, c.name, c.status, typ)
		if got.doc["detail"] != c.detail {
			t.Errorf("%s: detail %q; want %q", c.name, got.doc["detail"], c.detail)
		}
		if c.field != "" && !strings.Contains(string(got.body), `"field":"`+c.field+`"`) {
			t.Errorf("%s: errors do not name %q: %s", c.name, c.field, got.body)
		}
		if strings.Contains(c.name, "unknown") && strings.Contains(string(got.body), "red") {
			t.Errorf("%s: the value is echoed: %s", c.name, got.body)
		}
	}
	if got := a.do("POST", "/v1/things", nil, "Authorization", bearerA, idempotency.Header, "k-empty"); got.status != http.StatusCreated {
		t.Errorf("an empty body decodes as {}: %d %s", got.status, got.body)
	}
	if a.runs.Load() != 1 {
		t.Errorf("the handler ran %d times past a bad body; want once (the empty one)", a.runs.Load())
	}
}

// TestDecodeJSONOutsideTheEdgeBoundsTheBody: a request that did not come through the edge
// still gets a 413, not a 400, when its reader hits a limit.
func TestDecodeJSONOutsideTheEdgeBoundsTheBody(t *testing.T) {
	t.Parallel()
	rec := httptest.NewRecorder()
	r := httptest.NewRequest("POST", "/x", strings.NewReader(`{"name":"`+strings.Repeat("a", 100)+`"}`))
	r.Body = http.MaxBytesReader(rec, r.Body, 10)
	var v struct{ Name string }
	p, ok := httpedge.DecodeJSON(r, &v).(*problem.Problem)
	if !ok || p.Status != http.StatusRequestEntityTooLarge || p.Detail != "The body exceeds 10 bytes." {
		t.Errorf("DecodeJSON = %#v; want a 413 problem", p)
	}
}

// TestKeyModesPerRoute: KeyRequired refuses a keyless write even though the keeper's
// default is optional; a keyed write runs once and replays; KeyOptional runs without a key.
func TestKeyModesPerRoute(t *testing.T) {
	t.Parallel()
	a := newAPI(t, true)
	a.do("POST", "/v1/things", []byte(`{"name":"tent"}`), "Authorization", bearerA).
		isProblem(t, "keyless write", http.StatusBadRequest, problem.TypeIdempotencyNeeded)
	first := a.do("POST", "/v1/things", []byte(`{"name":"tent"}`), "Authorization", bearerA, idempotency.Header, "k1")
	again := a.do("POST", "/v1/things", []byte(`{"name":"tent"}`), "Authorization", bearerA, idempotency.Header, "k1")
	if first.status != http.StatusCreated || again.status != http.StatusCreated || string(again.body) != string(first.body) ||
		again.header.Get(idempotency.ReplayedHeader) != "true" {
		t.Errorf("keyed write: %d %s, retry %d %s (replayed %q)", first.status, first.body, again.status, again.body,
			again.header.Get(idempotency.ReplayedHeader))
	}
	// The key is scoped by the caller the edge authenticated.
	if other := a.do("POST", "/v1/things", []byte(`{"name":"tent"}`), "Authorization", bearerB, idempotency.Header, "k1"); other.header.Get(idempotency.ReplayedHeader) != "" {
		t.Errorf("svc-b got svc-a's replay: %s", other.body)
	}
	if got := a.do("PUT", "/v1/things/1", []byte(`{"name":"tent"}`), "Authorization", bearerA); got.status != http.StatusCreated {
		t.Errorf("KeyOptional without a key: %d %s", got.status, got.body)
	}
	// A refused caller never claims a key.
	a.do("PUT", "/v1/things/1", []byte(`{}`), "Authorization", bearerB, idempotency.Header, "k2").
		isProblem(t, "svc-b on PUT", http.StatusForbidden, problem.TypeForbidden)
	if a.runs.Load() != 3 {
		t.Errorf("handler runs %d; want 3 (svc-a's write, svc-b's, the PUT)", a.runs.Load())
	}
}

// TestMetricsPerRoute: every answer is counted under the route pattern (never the path),
// whatever answered it: the handler, auth or policy.
func TestMetricsPerRoute(t *testing.T) {
	t.Parallel()
	a := newAPI(t, false)
	a.do("GET", "/v1/things/1", nil, "Authorization", bearerA)
	a.do("GET", "/v1/things/2", nil, "Authorization", bearerA)
	a.do("GET", "/v1/things/3", nil)
	a.do("GET", "/v1/things/4", nil, "Authorization", bearerB)
	want := map[string]float64{"200": 2, "401": 1, "403": 1}
	got := map[string]float64{}
	var observed uint64
	for _, mf := range gather(t, a.reg) {
		for _, m := range mf.GetMetric() {
			l := labels(m)
			if l["service"] != "svc-test" || l["route"] != "GET /v1/things/{id}" {
				t.Errorf("%s series %v; want service svc-test and the route pattern", mf.GetName(), l)
			}
			switch mf.GetName() {
			case "novatrek_http_requests_total":
				got[l["code"]] += m.GetCounter().GetValue()
			case "novatrek_http_request_seconds":
				observed += m.GetHistogram().GetSampleCount()
			}
		}
	}
	for code, n := range want {
		if got[code] != n {
			t.Errorf("novatrek_http_requests_total{code=%q} = %v; want %v (all: %v)", code, got[code], n, got)
		}
	}
	if observed != 4 {
		t.Errorf("novatrek_http_request_seconds observed %d requests; want 4", observed)
	}
}

func gather(t *testing.T, reg *prometheus.Registry) []*dto.MetricFamily {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var out []*dto.MetricFamily
	for _, mf := range mfs {
		if strings.HasPrefix(mf.GetName(), "novatrek_http_request") {
			out = append(out, mf)
		}
	}
	return out
}

func labels(m *dto.Metric) map[string]string {
	l := map[string]string{}
	for _, p := range m.GetLabel() {
		l[p.GetName()] = p.GetValue()
	}
	return l
}

// TestAccessLogNamesRouteStatusCaller: one DEBUG line per request with the request id,
// pattern, status and caller — never the path's values or the query.
func TestAccessLogNamesRouteStatusCaller(t *testing.T) {
	t.Parallel()
	a := newAPI(t, false)
	a.do("GET", "/v1/things/guest-4711?email=gia@example.com", nil, "Authorization", bearerA, "X-Request-Id", "req-log-1")
	a.do("GET", "/v1/things/guest-4712", nil, "X-Request-Id", "req-log-2")
	logs := a.logs.String()
	for _, want := range []string{
		`msg="api request" request_id=req-log-1 route="GET /v1/things/{id}" status=200 caller=svc-a`,
		`msg="api request" request_id=req-log-2 route="GET /v1/things/{id}" status=401 caller=""`,
	} {
		if !strings.Contains(logs, want) {
			t.Errorf("log lacks %q:\n%s", want, logs)
		}
	}
	if strings.Contains(logs, "4711") || strings.Contains(logs, "example.com") {
		t.Errorf("the log holds request data:\n%s", logs)
	}
}

// TestMountRefusesRoutesThatCannotBeServed: each mistake is named before anything is
// mounted.
func TestMountRefusesRoutesThatCannotBeServed(t *testing.T) {
	t.Parallel()
	auth := newAPI(t, false).auth
	ok := http.NotFoundHandler()
	for _, c := range []struct {
		name  string
		cfg   httpedge.MountConfig
		route httpedge.Route
		want  string
	}{
		{"no handler", httpedge.MountConfig{Auth: auth}, httpedge.Route{Pattern: "GET /a", Perm: "p", Callers: []string{"x"}}, "no handler"},
		{"no permission", httpedge.MountConfig{Auth: auth}, httpedge.Route{Pattern: "GET /a", Callers: []string{"x"}, Handler: ok}, "needs a permission"},
		{"nobody granted", httpedge.MountConfig{Auth: auth}, httpedge.Route{Pattern: "GET /a", Perm: "p", Handler: ok}, "needs a permission"},
		{"public with callers", httpedge.MountConfig{}, httpedge.Route{Pattern: "POST /h", Public: true, Callers: []string{"x"}, Handler: ok}, "public route"},
		{"no authenticator", httpedge.MountConfig{}, httpedge.Route{Pattern: "GET /a", Perm: "p", Callers: []string{"x"}, Handler: ok}, "MountConfig.Auth"},
		{"key without keeper", httpedge.MountConfig{Auth: auth}, httpedge.Route{Pattern: "POST /a", Perm: "p", Callers: []string{"x"}, Key: httpedge.KeyRequired, Handler: ok}, "KeyRequired"},
		{"bad pattern", httpedge.MountConfig{Auth: auth}, httpedge.Route{Pattern: "GET /a/{", Perm: "p", Callers: []string{"x"}, Handler: ok}, `route "GET /a/{"`},
	} {
		err := httpedge.Mount(http.NewServeMux(), c.cfg, c.route)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: Mount = %v; want an error naming %q", c.name, err, c.want)
		}
	}
	dup := httpedge.Route{Pattern: "GET /a", Perm: "p", Callers: []string{"x"}, Handler: ok}
	if err := httpedge.Mount(http.NewServeMux(), httpedge.MountConfig{Auth: auth}, dup, dup); err == nil {
		t.Error("Mount took the same pattern twice")
	}
}
