package intake

import (
	"github.com/novatrek/support/processors/notifications/preference"
	"github.com/novatrek/support/processors/notifications/provider"
)

// Priority is the delivery lane: emergencies travel in a lane a backlog of routine
// messages cannot delay.
type Priority string

// Priorities.
const (
	PriorityEmergency Priority = "emergency"
	PriorityRoutine   Priority = "routine"
)

// Source names where a route's recipients come from. Sources that read event fields are
// resolved in recipients.go; "group:" sources are stored as group recipients that the
// delivery stage expands to people (this stage has no staff directory).
type Source string

// Recipient sources.
const (
	// SourceGuest is the event's guest_id (reservation, check-in, payment events).
	SourceGuest Source = "guest"
	// SourcePartner is payment.processed's partner_id, when set (commission payments).
	SourcePartner Source = "partner"
	// SourceAssignedGuides are the guide_id of every assignment of schedule.published.
	SourceAssignedGuides Source = "assigned_guides"
	// SourceInvolvedGuests are incident.reported's involved_guest_ids.
	SourceInvolvedGuests Source = "involved_guests"
	// SourceAffectedGuests and SourceAffectedGuides are emergency.triggered's
	// affected_guest_ids and affected_guide_ids.
	SourceAffectedGuests Source = "affected_guests"
	SourceAffectedGuides Source = "affected_guides"
	// SourceRescueTeamIfDispatched is the rescue-team group when emergency.triggered says
	// rescue_team_dispatched.
	SourceRescueTeamIfDispatched Source = "rescue_team_if_dispatched"
	// SourceDepartureGuides are the guides schedule.published assigned to the departure of
	// a trip-weather-risk.changed (departure_guides); none when that schedule is unknown.
	SourceDepartureGuides Source = "departure_guides"

	// Groups.
	SourceOperationsStaff Source = "group:operations-staff"
	SourceSafetyOfficers  Source = "group:safety-officers"
	SourceParkRangers     Source = "group:park-rangers"
	SourceRescueTeam      Source = "group:rescue-team"
	SourceActiveGuides    Source = "group:active-guides"
)

// Route says how one event type or request kind becomes notifications.
type Route struct {
	// Kind is the NotificationKind symbol the delivery status events carry.
	Kind string
	// Category drives preferences: safety-critical categories bypass them.
	Category preference.Category
	// Template is the template name (one version line per channel and locale).
	Template string
	// Channels are the default channels; a request naming channels overrides them.
	Channels []provider.Channel
	// Priority is the delivery lane; a CRITICAL request is always PriorityEmergency.
	Priority Priority
	// Recipients are the sources of recipients. For a request route they are the fallback
	// used only when the request names no recipients itself.
	Recipients []Source
}

// EventRoute is the route of one consumed event type, with the topic it arrives on.
type EventRoute struct {
	Topic string
	Route
	// Informational, when set, is the route of the events of this type that are not a
	// safety matter (the handler judges each event: see weather.go); Route is then the
	// safety route.
	Informational *Route
}
