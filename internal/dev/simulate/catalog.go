package simulate

// The little world the simulated domains live in: trips, their departure locations and
// positions, guides, staff, partners, wildlife and names. Ids follow the formats the schemas'
// docs use (TRP-..., LOC-..., GDE-...).

type trip struct {
	id       string
	location string
	lat, lon float64
	days     int
	price    int64 // per person, whole USD
	trails   []string
	// capacity is how many people the departure site holds at once (its meeting point or
	// put-in), small enough that a busy day crosses the 90 % alert now and then.
	capacity int
}

var trips = []trip{
	{"TRP-GRANDCANYON-RAFT-7D", "LOC-LEES-FERRY", 36.8650, -111.5880, 7, 3290, []string{"TRL-COLORADO-RIVER"}, 40},
	{"TRP-YOSEMITE-HIKE-3D", "LOC-YOSEMITE-VALLEY", 37.7456, -119.5936, 3, 890, []string{"TRL-MIST", "TRL-JOHN-MUIR"}, 60},
	{"TRP-ZION-CANYONEER-1D", "LOC-SPRINGDALE", 37.1889, -112.9986, 1, 240, []string{"TRL-NARROWS"}, 16},
	{"TRP-YELLOWSTONE-WILDLIFE-4D", "LOC-GARDINER", 45.0322, -110.7053, 4, 1450, []string{"TRL-LAMAR-VALLEY", "TRL-HAYDEN"}, 30},
	{"TRP-GLACIER-BACKPACK-5D", "LOC-APGAR", 48.5280, -113.9870, 5, 1690, []string{"TRL-HIGHLINE", "TRL-GUNSIGHT"}, 24},
	{"TRP-MOAB-BIKE-2D", "LOC-MOAB", 38.5733, -109.5498, 2, 560, []string{"TRL-SLICKROCK"}, 20},
	{"TRP-OLYMPIC-KAYAK-3D", "LOC-PORT-ANGELES", 48.1181, -123.4307, 3, 980, []string{"TRL-LAKE-CRESCENT"}, 24},
	{"TRP-DENALI-TREK-6D", "LOC-HEALY", 63.8572, -148.9661, 6, 2750, []string{"TRL-SAVAGE-RIVER", "TRL-POLYCHROME"}, 18},
}

var guides = []string{
	"GDE-0101", "GDE-0102", "GDE-0103", "GDE-0104", "GDE-0105", "GDE-0106", "GDE-0107", "GDE-0108",
	"GDE-0109", "GDE-0110", "GDE-0111", "GDE-0112", "GDE-0113", "GDE-0114", "GDE-0115", "GDE-0116",
}

var staff = []string{"STF-OPS-01", "STF-OPS-02", "STF-SAFETY-01", "STF-SAFETY-02", "STF-DESK-01"}

var partners = []string{"PTR-ADVENTURE-HUB", "PTR-TRAILFINDER", "PTR-WILD-TRAVEL"}

var promoCodes = []string{"SPRING10", "EARLYBIRD", "FRIENDS15"}

type species struct {
	name     string
	radius   int
	guidance string
}

var wildlife = []species{
	{"grizzly bear", 800, "Stay on marked trails, travel in groups, carry bear spray."},
	{"black bear", 400, "Store food in lockers and keep 100 m distance."},
	{"mountain lion", 600, "Keep children close; do not run."},
	{"bison", 200, "Keep at least 25 m away; do not approach for photos."},
	{"moose", 300, "Give way; a moose with calves charges."},
	{"rattlesnake", 50, "Watch your step on rocky sections."},
}

var firstNames = []string{"Ava", "Liam", "Maya", "Noah", "Zoe", "Ethan", "Aria", "Lucas", "Nora", "Mateo",
	"Ivy", "Kai", "Leah", "Omar", "Sofia", "Yuki", "Priya", "Jonas", "Elena", "Theo"}

var lastNames = []string{"Garcia", "Smith", "Nguyen", "Patel", "Kim", "Johnson", "Müller", "Rossi", "Silva",
	"Okafor", "Chen", "Dubois", "Larsen", "Novak", "Haddad", "Brown", "Tanaka", "Lopez", "Cohen", "Walker"}

type locale struct{ country, language string }

var locales = []locale{
	{"US", "en"}, {"US", "en"}, {"US", "en"}, {"CA", "en"}, {"CA", "fr"}, {"GB", "en"},
	{"DE", "de"}, {"MX", "es"}, {"JP", "ja"}, {"AU", "en"},
}

var cancelReasons = []string{"guest request", "payment not received", "weather", "medical", "trip rescheduled"}

// Site is a departure location of the simulated trips.
type Site struct {
	ID       string
	Lat, Lon float64
}

// Sites lists the departure locations of the simulated trips, where the traffic happens:
// novatrek dev's weather fake raises its storms over them.
func Sites() []Site {
	out := make([]Site, len(trips))
	for i, t := range trips {
		out[i] = Site{t.location, t.lat, t.lon}
	}
	return out
}
