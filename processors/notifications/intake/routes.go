package intake

import (
	"github.com/novatrek/support/processors/notifications/preference"
	"github.com/novatrek/support/processors/notifications/provider"
)

// The routing table of svc-notifications: data, not code paths. Adding a consumed event
// type or a request kind means adding a row here (and its default template in
// templates.go); TestRoutesCoverSchemas fails until every kind has one.

var (
	all        = []provider.Channel{provider.SMS, provider.Push, provider.Email, provider.InApp}
	urgent     = []provider.Channel{provider.SMS, provider.Push, provider.InApp}
	receipt    = []provider.Channel{provider.Email, provider.InApp}
	update     = []provider.Channel{provider.Email, provider.Push, provider.InApp}
	timely     = []provider.Channel{provider.Email, provider.SMS, provider.InApp}
	emailOnly  = []provider.Channel{provider.Email}
	dispatched = []provider.Channel{provider.SMS, provider.Push}
)

// EventRoutes maps each consumed event type (metadata.event_type) to its route.
var EventRoutes = map[string]EventRoute{
	"reservation.status_changed": {Topic: "novatrek.booking.reservation.status-changed", Route: Route{
		Kind: "RESERVATION_STATUS_UPDATE", Category: preference.Transactional, Template: "reservation.status-changed",
		Channels: update, Priority: PriorityRoutine, Recipients: []Source{SourceGuest},
	}},
	"checkin.completed": {Topic: "novatrek.operations.checkin.completed", Route: Route{
		Kind: "CHECKIN_CONFIRMATION", Category: preference.Transactional, Template: "checkin.completed",
		Channels: receipt, Priority: PriorityRoutine, Recipients: []Source{SourceGuest},
	}},
	"schedule.published": {Topic: "novatrek.operations.schedule.published", Route: Route{
		Kind: "GUIDE_ASSIGNMENT", Category: preference.Operational, Template: "schedule.published",
		Channels: update, Priority: PriorityRoutine, Recipients: []Source{SourceAssignedGuides},
	}},
	"payment.processed": {Topic: "novatrek.support.payment.processed", Route: Route{
		Kind: "PAYMENT_CONFIRMATION", Category: preference.Transactional, Template: "payment.processed",
		Channels: receipt, Priority: PriorityRoutine, Recipients: []Source{SourceGuest, SourcePartner},
	}},
	"incident.reported": {Topic: "novatrek.safety.incident.reported", Route: Route{
		Kind: "SAFETY_ALERT", Category: preference.Safety, Template: "incident.reported",
		Channels: all, Priority: PriorityEmergency,
		Recipients: []Source{SourceSafetyOfficers, SourceOperationsStaff, SourceInvolvedGuests},
	}},
	"emergency.triggered": {Topic: "novatrek.safety.emergency.triggered", Route: Route{
		Kind: "EMERGENCY_ALERT", Category: preference.Emergency, Template: "emergency.triggered",
		Channels: all, Priority: PriorityEmergency,
		Recipients: []Source{SourceOperationsStaff, SourceAffectedGuides, SourceAffectedGuests, SourceRescueTeamIfDispatched},
	}},
	"wildlife_alert.issued": {Topic: "novatrek.safety.wildlife-alert.issued", Route: Route{
		Kind: "WILDLIFE_ALERT", Category: preference.Wildlife, Template: "wildlife-alert.issued",
		Channels: urgent, Priority: PriorityEmergency, Recipients: []Source{SourceOperationsStaff, SourceActiveGuides},
	}},
	// The support events below are our own services' results that reach guests and staff.
	"payment.refunded": {Topic: "novatrek.support.payment.refunded", Route: Route{
		Kind: "REFUND_CONFIRMATION", Category: preference.Transactional, Template: "payment.refunded",
		Channels: receipt, Priority: PriorityRoutine, Recipients: []Source{SourceGuest},
	}},
	// A promotion is congratulated and a demotion explained by the same template (it reads
	// direction); both are account information, not marketing, so opting out of marketing
	// does not hide them.
	"loyalty_tier.changed": {Topic: "novatrek.support.loyalty-tier.changed", Route: Route{
		Kind: "LOYALTY_TIER_CHANGE", Category: preference.Transactional, Template: "loyalty-tier.changed",
		Channels: update, Priority: PriorityRoutine, Recipients: []Source{SourceGuest},
	}},
	"loyalty_reward.redeemed": {Topic: "novatrek.support.loyalty-reward.redeemed", Route: Route{
		Kind: "LOYALTY_REWARD_REDEMPTION", Category: preference.Transactional, Template: "loyalty-reward.redeemed",
		Channels: receipt, Priority: PriorityRoutine, Recipients: []Source{SourceGuest},
	}},
	// Severe weather is a safety matter: the safety category bypasses opt-outs and quiet
	// hours and travels in the emergency lane, like wildlife alerts. The event names a
	// location and an area, not people, and this service keeps no record of who is where, so
	// it alerts the people who act on it: operations staff and the guides on duty, who reach
	// their parties in the field. (svc-scheduling-orchestrator, which knows the departures at
	// the location, asks for AFFECTED_PARTIES_UPDATE notifications to the guests.)
	"weather_alert.issued": {Topic: "novatrek.support.weather-alert.issued",
		Route: weatherSafety("weather-alert.issued", weatherPeople)},
	// The alert's later life reaches the same people. An update that raises the alert (a
	// higher severity, or cancellation newly recommended; weather.go judges) is a safety
	// matter like the issue; any other update, and a cancellation, is information for
	// operations: the operational category, which opt-outs and quiet hours apply to, in the
	// routine lane, by e-mail, push and in-app.
	"weather_alert.updated": {Topic: "novatrek.support.weather-alert.updated",
		Route: weatherSafety("weather-alert.updated", weatherPeople), Informational: weatherInfo("weather-alert.updated", weatherPeople)},
	"weather_alert.cancelled": {Topic: "novatrek.support.weather-alert.cancelled",
		Route: *weatherInfo("weather-alert.cancelled", weatherPeople)},
	// A departure's weather risk also reaches its guides when this service knows them (from
	// schedule.published). CANCEL_RECOMMENDED is a safety matter; GO, CAUTION and UNASSESSED
	// (including a GO after a cancel recommendation) are information.
	"trip_weather_risk.changed": {Topic: "novatrek.support.trip-weather-risk.changed",
		Route: weatherSafety("trip-weather-risk.changed", departurePeople), Informational: weatherInfo("trip-weather-risk.changed", departurePeople)},
}

// weatherPeople are who weather events reach: they name places, not people, so the people
// who act on them. departurePeople adds the departure's guides.
var (
	weatherPeople   = []Source{SourceOperationsStaff, SourceActiveGuides}
	departurePeople = []Source{SourceOperationsStaff, SourceActiveGuides, SourceDepartureGuides}
)

// weatherSafety is the route of svc-weather's events that are a safety matter, weatherInfo
// of those that are information; both are WEATHER_ALERT notifications.
func weatherSafety(template string, to []Source) Route {
	return Route{Kind: "WEATHER_ALERT", Category: preference.Safety, Template: template,
		Channels: urgent, Priority: PriorityEmergency, Recipients: to}
}

func weatherInfo(template string, to []Source) *Route {
	return &Route{Kind: "WEATHER_ALERT", Category: preference.Operational, Template: template,
		Channels: update, Priority: PriorityRoutine, Recipients: to}
}

// RequestTopic carries NotificationRequested commands: the spec's "Async: Yes" calls.
const RequestTopic = "novatrek.support.notification.requested"

// KindRoutes maps each NotificationKind symbol of a request to its route (Route.Kind is
// the key, filled in by the handler). UNKNOWN (a kind
// newer than this reader) has no route on purpose: such a request is dead-lettered and can
// be redriven once the service knows the kind.
var KindRoutes = map[string]Route{
	"CHECKIN_CONFIRMATION": { // svc-check-in: send check-in confirmation
		Category: preference.Transactional, Template: "checkin-confirmation", Channels: receipt, Priority: PriorityRoutine,
	},
	"BOOKING_CONFIRMATION": { // svc-reservations: send booking confirmation
		Category: preference.Transactional, Template: "booking-confirmation", Channels: receipt, Priority: PriorityRoutine,
	},
	"RESERVATION_STATUS_UPDATE": { // svc-reservations: send status update
		Category: preference.Transactional, Template: "reservation-status-update", Channels: update, Priority: PriorityRoutine,
	},
	"INSURANCE_CONFIRMATION": { // svc-reservations: send insurance confirmation
		Category: preference.Transactional, Template: "insurance-confirmation", Channels: emailOnly, Priority: PriorityRoutine,
	},
	"GUIDE_ASSIGNMENT": { // svc-scheduling-orchestrator: notify assigned guides
		Category: preference.Operational, Template: "guide-assignment", Channels: update, Priority: PriorityRoutine,
	},
	"AFFECTED_PARTIES_UPDATE": { // svc-scheduling-orchestrator: notify affected parties
		Category: preference.Operational, Template: "affected-parties-update", Channels: timely, Priority: PriorityRoutine,
	},
	"PARTNER_CONFIRMATION": { // svc-partner-integrations: send partner confirmation
		Category: preference.Transactional, Template: "partner-confirmation", Channels: emailOnly, Priority: PriorityRoutine,
	},
	"WAIVER_COPY": { // svc-safety-compliance: send waiver copy
		Category: preference.Transactional, Template: "waiver-copy", Channels: emailOnly, Priority: PriorityRoutine,
	},
	"SAFETY_ALERT": { // svc-safety-compliance: send safety alert
		Category: preference.Safety, Template: "safety-alert", Channels: all, Priority: PriorityEmergency,
		Recipients: []Source{SourceSafetyOfficers},
	},
	"TRANSPORT_DETAILS": { // svc-transport-logistics: send transport details
		Category: preference.Operational, Template: "transport-details", Channels: timely, Priority: PriorityRoutine,
	},
	"PARK_RANGER_ALERT": { // svc-trail-management: alert park rangers
		Category: preference.Safety, Template: "park-ranger-alert", Channels: []provider.Channel{provider.SMS, provider.Email},
		Priority: PriorityEmergency, Recipients: []Source{SourceParkRangers},
	},
	"EMERGENCY_ALERT": { // svc-emergency-response: emergency alerts to staff and guests
		Category: preference.Emergency, Template: "emergency-alert", Channels: all, Priority: PriorityEmergency,
		Recipients: []Source{SourceOperationsStaff},
	},
	"RESCUE_TEAM_DISPATCH": { // svc-emergency-response: notify dispatched rescue team
		Category: preference.Emergency, Template: "rescue-team-dispatch", Channels: dispatched, Priority: PriorityEmergency,
		Recipients: []Source{SourceRescueTeam},
	},
	"WILDLIFE_ALERT": { // svc-wildlife-tracking: alert operations staff and active guides
		Category: preference.Wildlife, Template: "wildlife-alert", Channels: urgent, Priority: PriorityEmergency,
		Recipients: []Source{SourceOperationsStaff, SourceActiveGuides},
	},
	// Not one of the spec's async calls: the symbol exists (schema v3) for the receipts of
	// payment.processed; a request of this kind (e.g. a manual resend) is routed like them.
	"PAYMENT_CONFIRMATION": {
		Category: preference.Transactional, Template: "payment-confirmation", Channels: receipt, Priority: PriorityRoutine,
	},
	// Not async calls of the spec either: the symbols exist (schema v4) for the notifications
	// of the support events above; a request of these kinds (a manual resend) is routed like
	// them.
	"REFUND_CONFIRMATION": {
		Category: preference.Transactional, Template: "refund-confirmation", Channels: receipt, Priority: PriorityRoutine,
	},
	"LOYALTY_TIER_CHANGE": {
		Category: preference.Transactional, Template: "loyalty-tier-change", Channels: update, Priority: PriorityRoutine,
	},
	"LOYALTY_REWARD_REDEMPTION": {
		Category: preference.Transactional, Template: "loyalty-reward-redemption", Channels: receipt, Priority: PriorityRoutine,
	},
	"WEATHER_ALERT": {
		Category: preference.Safety, Template: "weather-alert", Channels: urgent, Priority: PriorityEmergency,
		Recipients: []Source{SourceOperationsStaff, SourceActiveGuides},
	},
}
