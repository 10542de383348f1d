package service

import (
	"github.com/novatrek/support/internal/platform/httpedge"
	"net/http"
	"time"
)

// API is a service's HTTP API, served behind the HTTP edge; GET /openapi.json serves
// OpenAPI.
type API[S any] struct {
	// OpenAPI is the service's OpenAPI 3.1 document.
	OpenAPI []byte
	// MaxBody is the largest request body in bytes; 0: httpedge.DefaultMaxBody (64 KiB).
	MaxBody int64
	// Idempotency configures the keeper of the routes taking Idempotency-Key.
	Idempotency Idempotency
	// Routes are the API's routes with who may call each.
	Routes []Route[S]
}

// Idempotency configures the Idempotency-Key keeper; the runner prunes expired keys.
type Idempotency struct {
	// Required makes KeyRequired routes refuse a request without a key (422).
	Required bool
	// Lease is how long a claimed key blocks a concurrent retry; default 1m.
	Lease time.Duration
}

// Route is one API route.
type Route[S any] struct {
	// Pattern is a ServeMux pattern with its method, "POST /v1/deposits".
	Pattern string
	// Access says who may call it: the spec's Data Ownership table.
	Access Access
	// Key says whether the route takes an Idempotency-Key.
	Key KeyMode
	// Handle serves the request. Its error is written by the edge: a *problem.Problem as
	// it is, anything else as a 500 problem logged with the request id.
	Handle func(s S, w http.ResponseWriter, r *http.Request) error
}

// Access is who may call a route.
type Access struct {
	// Perm is the permission the caller must hold; it appears in 403 problems.
	Perm string
	// Callers are the services (and teams) holding Perm.
	Callers []string
	// Public routes take no bearer token: the handler checks a provider's signature.
	Public bool
}

// Perm is the access of a route the callers may call, holding the permission name.
func Perm(name string, callers ...string) Access { return Access{Perm: name, Callers: callers} }

// Public is the access of a route without a bearer token (a provider's webhook).
var Public = Access{Public: true}

// KeyMode says whether a route takes an Idempotency-Key; the edge's (httpedge.KeyMode), so
// a Spec's routes mount as declared.
type KeyMode = httpedge.KeyMode

// The key modes a route declares (httpedge.NoKey, KeyRequired, KeyOptional,
// KeyRequiredInTx).
const (
	NoKey           = httpedge.NoKey
	KeyRequired     = httpedge.KeyRequired
	KeyOptional     = httpedge.KeyOptional
	KeyRequiredInTx = httpedge.KeyRequiredInTx
)
