package simulate

// action is one thing that happens in the world; its first event is returned at once and
// any follow-ups (confirmation requests, metrics, escalations) are queued behind it.
type action int

const (
	actRegister action = iota
	actBook
	actConfirm
	actCancel
	actTransport
	actCheckin
	actComplete
	actNoShow
	actSchedule
	actAffected
	actIncident
	actEmergency
	actWildlife
	actRanger
	actPosition
	numActions
)

var actionNames = [numActions]string{
	"register", "book", "confirm", "cancel", "transport", "checkin", "complete", "no-show",
	"schedule", "affected-parties", "incident", "emergency", "wildlife", "park-ranger", "position",
}

func (a action) String() string { return actionNames[a] }

// weights are how often each action starts, per day of a busy season, from the spec's
// volumes: ~2,500 payment transactions/day (a deposit and a balance per booking, plus
// commissions) suggest ~1,000 bookings/day; ~1,000 loyalty transactions/day are mostly
// completed trips; ~15,000 notifications/day come from the events and requests below
// (several channels each); ~50K analytics inserts/day are every one of these events plus
// the orchestrator's optimization metrics. Safety events are rare: a few incidents a day,
// a wildlife alert or two, an emergency every few days (raised here so a dev session of a
// quarter of an hour at 5 events/s sees about one). Flows keep their sets balanced: what
// enters PENDING leaves it by confirmation or cancellation, and so on.
var weights = [numActions]float64{
	actRegister:  350, // guests who sign up without booking yet (others register as they book)
	actBook:      1000,
	actConfirm:   930, // deposit paid
	actCancel:    90,  // before departure, from PENDING or CONFIRMED
	actTransport: 300, // transport details for confirmed bookings with a pickup
	actCheckin:   840,
	actComplete:  840,
	actNoShow:    20,
	actSchedule:  12, // daily schedules and their republished revisions
	actAffected:  25, // schedule changes that affect a booked party
	actIncident:  6,
	actEmergency: 2,
	actWildlife:  3,
	actRanger:    2, // trail management asks rangers for help (closures, rescues)
	// The guest app's GPS fixes while a trip is under way: kept below the events of the
	// rest of the mix, as if the app sent a buffered batch's newest fix every half hour
	// or so for the parties out at any time, so the positions neither drown the flows nor
	// make the rare emergencies rarer in a short dev session.
	actPosition: 500,
}
