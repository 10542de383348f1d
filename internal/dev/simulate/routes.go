package simulate

import (
	"context"
	"errors"
	"regexp"
)

// ErrNoRoute is the error of a call whose route no sink serves: Run counts it as skipped
// (Stats.CallsSkipped) without a log line per call; whoever builds the Routes says once, at
// start, which routes are not served (Routes.Unserved).
var ErrNoRoute = errors.New("no service serves the route")

// Routes sends each call to the sink of its route (Call.Route): the dev stack maps every
// route a running service declares to that service's HTTPSink. Route templates match
// whatever their wildcards are named: "PUT /v1/x/{id}" serves "PUT /v1/x/{key}".
type Routes map[string]CallSink

// Add makes sink serve route.
func (r Routes) Add(route string, sink CallSink) { r[RouteShape(route)] = sink }

// Call sends c to the sink of its route, or returns ErrNoRoute.
func (r Routes) Call(ctx context.Context, c Call) error {
	sink, ok := r[RouteShape(c.Route)]
	if !ok {
		return ErrNoRoute
	}
	return sink.Call(ctx, c)
}

// Unserved lists, in CallRoutes' order, the routes the simulator calls that no sink serves.
func (r Routes) Unserved() []string {
	var out []string
	for _, route := range CallRoutes {
		if _, ok := r[RouteShape(route)]; !ok {
			out = append(out, route)
		}
	}
	return out
}

// Calls reports whether the simulator calls route (a route template of any service).
func Calls(route string) bool {
	for _, r := range CallRoutes {
		if RouteShape(r) == RouteShape(route) {
			return true
		}
	}
	return false
}

// wildcard is a path segment wildcard of a route template ({id}, {token...}).
var wildcard = regexp.MustCompile(`\{[^}]*\}`)

// RouteShape is a route template with its wildcards unnamed ("PUT /v1/x/{}"): two templates
// with the same shape are the same route.
func RouteShape(route string) string { return wildcard.ReplaceAllString(route, "{}") }
