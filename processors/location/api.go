package location

import (
	"github.com/novatrek/support/internal/platform/service"
)

// Callers of the API. The four services come from the domain spec (Data Ownership: location
// data is read by svc-transport-logistics, svc-emergency-response and svc-trail-management;
// svc-scheduling-orchestrator checks capacity); locations-ops is the owning team's back
// office, which maintains locations and hours and corrects occupancy (check-outs included,
// until a check-out event exists).
const (
	CallerTransport  = "svc-transport-logistics"
	CallerEmergency  = "svc-emergency-response"
	CallerTrails     = "svc-trail-management"
	CallerScheduling = "svc-scheduling-orchestrator"
	CallerOps        = "locations-ops"
)

// Who may call what. A guest's position is personal data: only emergency response and the
// owning team read it.
var (
	accessRead      = service.Perm("locations:read", CallerTransport, CallerEmergency, CallerTrails, CallerScheduling, CallerOps)
	accessCapacity  = service.Perm("capacity:check", CallerScheduling, CallerOps)
	accessPickups   = service.Perm("pickups:validate", CallerTransport, CallerOps)
	accessTrails    = service.Perm("trails:read", CallerTrails, CallerOps)
	accessPositions = service.Perm("positions:read", CallerEmergency, CallerOps)
	accessManage    = service.Perm("locations:manage", CallerOps)
)

// routes are the endpoints; openapi.json documents the same list. The first six are the
// spec's six (location, nearby, capacity check, pickup validation, trail coordinates, last
// known position); tiles and geocoding serve maps and search; the last three are the owning
// team's writes.
var routes = []service.Route[*app]{
	{Pattern: "GET /v1/locations/{id}", Access: accessRead, Handle: (*app).handleGetLocation},
	{Pattern: "GET /v1/nearby", Access: accessRead, Handle: (*app).handleNearby},
	{Pattern: "GET /v1/locations/{id}/capacity", Access: accessCapacity, Handle: (*app).handleCheckCapacity},
	{Pattern: "GET /v1/pickups/validation", Access: accessPickups, Handle: (*app).handleValidatePickup},
	{Pattern: "GET /v1/trails/{id}/coordinates", Access: accessTrails, Handle: (*app).handleTrailCoordinates},
	{Pattern: "GET /v1/guests/{id}/position", Access: accessPositions, Handle: (*app).handleGuestPosition},
	{Pattern: "GET /v1/tiles/{z}/{x}/{tile}", Access: accessRead, Handle: (*app).handleTile},
	{Pattern: "GET /v1/geocode", Access: accessRead, Handle: (*app).handleGeocode},
	{Pattern: "GET /v1/geocode/reverse", Access: accessRead, Handle: (*app).handleReverseGeocode},
	{Pattern: "GET /v1/locations/{id}/hours", Access: accessRead, Handle: (*app).handleHours},
	{Pattern: "PUT /v1/locations/{id}", Access: accessManage, Handle: (*app).handlePutLocation},
	{Pattern: "PUT /v1/locations/{id}/hours", Access: accessManage, Handle: (*app).handlePutHours},
	{Pattern: "POST /v1/locations/{id}/occupancy-adjustments", Access: accessManage, Handle: (*app).handleAdjustOccupancy},
}
