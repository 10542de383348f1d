package nwsfake

import (
	"fmt"
	"hash/fnv"
	"time"
)

// Storms is the fake's dev mode: instead of staying quiet until a test sets alerts, it
// raises, in every cycle of Every, one storm over one of Areas as the NWS would tell it: a
// Watch (CAP Alert) at the cycle's start, upgraded to a Warning (CAP Update, referencing the
// watch) a third of the way in, then called off (CAP Cancel, referencing both) two thirds
// in; the last sixth of the cycle is quiet. Each message stays listed among the active
// alerts until the next replaces it, as the API lists the latest message of a chain. The
// storm and its area follow from the clock alone, so every poll in a phase sees the same
// message, and a restarted fake picks up where the cycle is.
type Storms struct {
	// Areas are the points a storm may be centred near (the known departure locations).
	Areas []Area
	// Every is the length of one storm's cycle (30 minutes in novatrek dev).
	Every time.Duration
}

// Area is a point storms may hit.
type Area struct{ Lat, Lon float64 }

// SetStorms turns the dev mode on (nil or no areas: off). The storm's alerts are listed
// beside those SetAlerts sets.
func (s *Server) SetStorms(st *Storms) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if st != nil && (len(st.Areas) == 0 || st.Every <= 0) {
		st = nil
	}
	s.storms = st
}

// stormSender is the CAP sender of the storm messages, the NWS's.
const stormSender = "w-nws.webmaster@noaa.gov"

// storm is one cycle's weather: where and what.
type storm struct {
	event, headline string
	area            Area
	radiusKm        float64
}

// stormKinds are the storms a cycle may bring; each is a Watch that becomes a Warning.
var stormKinds = []struct{ event, what string }{
	{"Severe Thunderstorm", "thunderstorms with hail and 60 mph gusts"},
	{"Flash Flood", "heavy rain over slot canyons and washes"},
	{"High Wind", "sustained winds of 40 mph, gusts to 65 mph"},
	{"Winter Storm", "heavy snow above 6000 feet and blowing snow"},
}

// stormAt is the message of the storm in force at now, if any (the quiet end of a cycle
// has none).
func (st *Storms) stormAt(now time.Time) (Alert, bool) {
	n := now.UnixNano() / int64(st.Every)
	start := time.Unix(0, n*int64(st.Every)).UTC()
	offset := now.Sub(start)
	h := fnv.New64a()
	fmt.Fprint(h, n)
	x := h.Sum64()
	kind := stormKinds[x%uint64(len(stormKinds))]
	a := st.Areas[(x/7)%uint64(len(st.Areas))]
	// The storm's centre is up to ~10 km off the area's; its 40 km radius still covers it.
	c := Area{Lat: a.Lat + float64(int(x>>16%200)-100)/10000*0.9, Lon: a.Lon + float64(int(x>>24%200)-100)/10000*0.9}
	id := func(phase int) string { return fmt.Sprintf("urn:oid:2.49.0.1.840.0.%016x.%03d.1", x, phase) }
	sent := func(phase int) time.Time { return start.Add(time.Duration(phase) * st.Every / 3).Truncate(time.Second) }
	watch := Alert{
		Identifier: id(1), Sender: stormSender, MessageType: "Alert", Event: kind.event + " Watch", Severity: "Moderate",
		Headline:    kind.event + " Watch issued " + sent(0).Format(time.RFC1123),
		Description: "Conditions are favorable for " + kind.what + ".",
		Sent:        sent(0), Effective: sent(0), Expires: sent(0).Add(36 * time.Hour),
		Lat: c.Lat, Lon: c.Lon, RadiusKm: 40,
	}
	ref := func(a Alert) Reference { return Reference{Identifier: a.Identifier, Sender: a.Sender, Sent: a.Sent} }
	warning := watch
	warning.Identifier, warning.MessageType, warning.References = id(2), "Update", []Reference{ref(watch)}
	warning.Event, warning.Severity = kind.event+" Warning", "Severe"
	warning.Headline = kind.event + " Warning issued " + sent(1).Format(time.RFC1123)
	warning.Description = kind.what + " are occurring or imminent. Postpone outdoor activities."
	warning.Sent, warning.Effective = sent(1), sent(1)
	cancel := warning
	cancel.Identifier, cancel.MessageType, cancel.References = id(3), "Cancel", []Reference{ref(watch), ref(warning)}
	cancel.Headline = "The " + kind.event + " Warning has been cancelled."
	cancel.Description = "The storm has moved out of the area."
	cancel.Sent, cancel.Effective, cancel.Expires = sent(2), sent(2), sent(2).Add(st.Every/6)
	switch {
	case offset < st.Every/3:
		return watch, true
	case offset < 2*st.Every/3:
		return warning, true
	case offset < 5*st.Every/6:
		return cancel, true
	}
	return Alert{}, false
}
