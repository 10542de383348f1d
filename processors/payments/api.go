package payments

import (
	"io"
	"net/http"
	"regexp"
	"strconv"

	"github.com/google/uuid"

	"github.com/novatrek/support/internal/platform/apiauth"
	"github.com/novatrek/support/internal/platform/fault"
	"github.com/novatrek/support/internal/platform/idempotency"
	"github.com/novatrek/support/internal/platform/problem"
	"github.com/novatrek/support/internal/platform/service"
)

// Callers of the API. The three services come from the domain spec; finance-ops is the
// owning team's back office (and the relay of the provider's dispute webhooks).
const (
	CallerReservations = "svc-reservations"
	CallerAnalytics    = "svc-analytics"
	CallerPartners     = "svc-partner-integrations"
	CallerFinanceOps   = "finance-ops"
)

// Access of the routes: the spec's Data Ownership table and its inbound integrations.
// Payment records are readable by svc-reservations and svc-analytics only; deposits come
// from svc-reservations ("Process deposit payment"); commissions only from
// svc-partner-integrations ("Process commission"). Managing payments (capture, void, refund)
// belongs to the reservation flow and to finance operations; disputes to finance operations.
var (
	accessDeposit    = service.Perm("payments:deposit", CallerReservations)
	accessCommission = service.Perm("payments:commission", CallerPartners)
	accessRead       = service.Perm("payments:read", CallerReservations, CallerAnalytics)
	accessManage     = service.Perm("payments:manage", CallerReservations, CallerFinanceOps)
	accessMethods    = service.Perm("payment-methods:manage", CallerReservations)
	accessDisputes   = service.Perm("disputes:manage", CallerFinanceOps)
	accessReconcile  = service.Perm("reports:reconcile", CallerFinanceOps, CallerAnalytics)
)

// readBody returns the request body, already bounded and buffered by the HTTP edge; the
// handlers keep the bytes for the request hash.
func readBody(r *http.Request) ([]byte, error) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, problem.Validation("The request body could not be read.")
	}
	return body, nil
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
