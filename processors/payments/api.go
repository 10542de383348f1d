package payments

import (
	"io"
	"log/slog"
	"net/http"
	"regexp"
	"strconv"
	"time"

	"github.com/google/uuid"

	"github.com/novatrek/support/internal/platform/apiauth"
	"github.com/novatrek/support/internal/platform/fault"
	"github.com/novatrek/support/internal/platform/httpedge"
	"github.com/novatrek/support/internal/platform/idempotency"
	"github.com/novatrek/support/internal/platform/problem"
)

// Callers of the API. The three services come from the domain spec; finance-ops is the
// owning team's back office (and the relay of the provider's dispute webhooks).
const (
	CallerReservations = "svc-reservations"
	CallerAnalytics    = "svc-analytics"
	CallerPartners     = "svc-partner-integrations"
	CallerFinanceOps   = "finance-ops"
)

// Permissions of the API.
const (
	permDeposit    = "payments:deposit"
	permCommission = "payments:commission"
	permRead       = "payments:read"
	permManage     = "payments:manage"
	permMethods    = "payment-methods:manage"
	permDisputes   = "disputes:manage"
	permReconcile  = "reports:reconcile"
)

// Policy is the authorization table, from the spec's Data Ownership table and its inbound
// integrations: payment records are readable by svc-reservations and svc-analytics only;
// deposits come from svc-reservations ("Process deposit payment"); commissions only from
// svc-partner-integrations ("Process commission"). Managing payments (capture, void, refund)
// belongs to the reservation flow and to finance operations; disputes to finance operations.
var Policy = apiauth.Policy{
	permDeposit:    {CallerReservations},
	permCommission: {CallerPartners},
	permRead:       {CallerReservations, CallerAnalytics},
	permManage:     {CallerReservations, CallerFinanceOps},
	permMethods:    {CallerReservations},
	permDisputes:   {CallerFinanceOps},
	permReconcile:  {CallerFinanceOps, CallerAnalytics},
}

// devCallers get dev tokens (dev-<caller>) when NOVATREK_API_TOKENS is unset.
var devCallers = []string{CallerReservations, CallerAnalytics, CallerPartners, CallerFinanceOps}

// api serves the HTTP endpoints.
type api struct {
	core   *core
	auth   *apiauth.Authenticator
	keeper *idempotency.Keeper
	log    *slog.Logger
}

// route is one endpoint: its pattern, permission and whether it takes an Idempotency-Key.
type route struct {
	pattern string
	perm    string
	key     keyMode
	// handler writes its success and returns what went wrong; the edge answers that
	// (httpedge.WriteError: a problem as it is, a fault by its kind, anything else 500).
	handler func(*api, http.ResponseWriter, *http.Request) error
}

type keyMode int

const (
	noKey       keyMode = iota // reads
	keyRequired                // writes that could double an effect
	keyOptional                // writes idempotent by nature (PUT, rebuilds)
)

// routes are the twelve endpoints; openapi.json documents the same list (a test checks).
var routes = []route{
	{"POST /v1/deposits", permDeposit, keyRequired, (*api).handleDeposit},
	{"POST /v1/commissions", permCommission, keyRequired, (*api).handleCommission},
	{"GET /v1/payments/{id}", permRead, noKey, (*api).handleGetPayment},
	{"GET /v1/reservations/{id}/payments", permRead, noKey, (*api).handleListPayments},
	{"POST /v1/payments/{id}/capture", permManage, keyRequired, (*api).handleCapture},
	{"POST /v1/payments/{id}/void", permManage, keyRequired, (*api).handleVoid},
	{"POST /v1/payments/{id}/refunds", permManage, keyRequired, (*api).handleRefund},
	{"GET /v1/refunds/{id}", permRead, noKey, (*api).handleGetRefund},
	{"POST /v1/guests/{id}/payment-methods", permMethods, keyRequired, (*api).handleSaveMethod},
	{"GET /v1/guests/{id}/payment-methods", permMethods, noKey, (*api).handleListMethods},
	{"PUT /v1/disputes/{case_id}", permDisputes, keyOptional, (*api).handleDispute},
	{"POST /v1/daily-summaries/{date}/reconcile", permReconcile, keyOptional, (*api).handleReconcile},
}

// register mounts every route on mux. Behind the HTTP edge (internal/platform/httpedge: request id,
// panics, 404/405, the 64 KiB body bound, the text and card-number screens), each goes
// through, in order: metrics and access log, authentication (401), authorization (403), the
// idempotency protocol, the handler.
func (a *api) register(mux *http.ServeMux) {
	for _, rt := range routes {
		var h http.Handler = a.handlerFor(rt)
		switch rt.key {
		case keyRequired:
			h = a.keeper.Middleware(h)
		case keyOptional:
			h = a.keeper.Optional(h)
		}
		h = Policy.Require(rt.perm, h)
		h = a.auth.Middleware(h)
		mux.Handle(rt.pattern, a.observe(rt.pattern, h))
	}
	mux.HandleFunc("GET /openapi.json", serveOpenAPI)
}

func (a *api) handlerFor(rt route) http.Handler {
	return httpedge.Handler(func(w http.ResponseWriter, r *http.Request) error { return rt.handler(a, w, r) }, a.log)
}

// readBody returns the request body, already bounded and buffered by the HTTP edge; the
// handlers keep the bytes for the request hash.
func readBody(r *http.Request) ([]byte, error) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, problem.Validation("The request body could not be read.")
	}
	return body, nil
}

// observe counts and times requests and logs them at debug level: route, status, caller,
// duration. Never bodies or query strings (they could hold personal data).
func (a *api) observe(pattern string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(sw, r)
		d := time.Since(start)
		a.core.m.requests.WithLabelValues(pattern, strconv.Itoa(sw.status)).Inc()
		a.core.m.latency.WithLabelValues(pattern).Observe(d.Seconds())
		if a.log.Enabled(r.Context(), slog.LevelDebug) {
			caller, _ := a.auth.Authenticate(r)
			a.log.DebugContext(r.Context(), "api request", "route", pattern, "status", sw.status, "caller", caller.Name, "duration", d)
		}
	})
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (s *statusWriter) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

// caller returns the authenticated caller (always set behind the auth middleware).
func caller(r *http.Request) string {
	c, _ := apiauth.CallerFrom(r.Context())
	return c.Name
}

var requestIDPattern = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,100}$`)
var traceparentPattern = regexp.MustCompile(`^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$`)

// flowFrom reads the lineage headers: X-Correlation-Id (a UUID), X-Request-Id (becomes the
// events' causation id) and W3C traceparent. Malformed values are ignored.
func flowFrom(r *http.Request) flow {
	var f flow
	if id, err := uuid.Parse(r.Header.Get("X-Correlation-Id")); err == nil {
		f.correlation = id
	}
	if rid := r.Header.Get("X-Request-Id"); requestIDPattern.MatchString(rid) {
		f.causation = &rid
	}
	if tp := r.Header.Get("traceparent"); traceparentPattern.MatchString(tp) {
		f.traceparent = tp
	}
	return f
}

// pathUUID parses the {name} path value: not a UUID is a 404 naming the kind.
func pathUUID(r *http.Request, name, kind string) (uuid.UUID, error) {
	id, err := uuid.Parse(r.PathValue(name))
	if err != nil {
		return uuid.Nil, fault.NotFound("No " + kind + " " + strconv.Quote(r.PathValue(name)) + ".")
	}
	return id, nil
}

// requestHash is the fingerprint the idempotency protocol uses, kept on business rows so a
// key reused for another request is refused even after the key itself was pruned.
func requestHash(r *http.Request, body []byte) []byte {
	return idempotency.Fingerprint(r.Method, r.URL.Path, r.URL.RawQuery, body)
}

func keyOf(r *http.Request) string {
	if c := idempotency.FromContext(r.Context()); c != nil {
		return c.Key()
	}
	return ""
}

// freshKey reports whether the request claimed its idempotency key for the first time (not
// a take-over after a crashed attempt): then no payment can have been written by an earlier
// attempt still holding it, and the look-up by key is skipped. (A payment written by an
// attempt whose key was later forgotten or pruned is found by the insert's unique key.)
func freshKey(r *http.Request) bool {
	c := idempotency.FromContext(r.Context())
	return c != nil && c.Attempts() == 1
}
