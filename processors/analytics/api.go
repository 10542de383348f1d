package analytics

import (
	_ "embed"

	"github.com/novatrek/support/internal/platform/service"
)

// Callers of the API. The spec's Data Ownership says analytics events have no external
// readers: the API is for our own analysts and finance team, and svc-guest-profiles may
// "Get satisfaction scores" (Cross-Domain Integration, Inbound).
const (
	CallerAnalysts      = "analytics-bi"
	CallerFinanceOps    = "finance-ops"
	CallerGuestProfiles = "svc-guest-profiles"
)

var (
	accessDashboards   = service.Perm("analytics:read", CallerAnalysts)
	accessRevenue      = service.Perm("analytics:revenue", CallerAnalysts, CallerFinanceOps)
	accessSatisfaction = service.Perm("analytics:satisfaction", CallerAnalysts, CallerGuestProfiles)
)

// openAPI is the API's OpenAPI 3.1 document; every test response is checked against it
// and a test checks it lists exactly the routes.
//
//go:embed openapi.json
var openAPI []byte

// routes are the spec's six read-only endpoints; during a rebuild each answer says so
// (HeaderRebuild).
var routes = []service.Route[*app]{
	{Pattern: "GET /v1/booking-trends", Access: accessDashboards, Handle: reportRebuild(dashboard(bookingMetrics))},
	{Pattern: "GET /v1/revenue", Access: accessRevenue, Handle: reportRebuild((*app).handleRevenue)},
	{Pattern: "GET /v1/utilization", Access: accessDashboards, Handle: reportRebuild(dashboard(utilizationMetrics))},
	{Pattern: "GET /v1/satisfaction-scores", Access: accessSatisfaction, Handle: reportRebuild((*app).handleSatisfaction)},
	{Pattern: "GET /v1/safety-metrics", Access: accessDashboards, Handle: reportRebuild(dashboard(safetyMetrics))},
	{Pattern: "GET /v1/forecasts", Access: accessDashboards, Handle: reportRebuild((*app).handleForecast)},
}
