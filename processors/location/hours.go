package location

import (
	"slices"
	"time"
)

// Operating hours are wall-clock spans in the location's own time zone: "08:00–17:00 on
// Mondays" means 08:00 local whatever the UTC offset is that day. Turning them into instants
// is where DST bites, so it happens in one place, wallInstant.

// minutes is a wall-clock time of day, minutes since local midnight (0..1439).
type minutes int

// span is one opening: opens to closes local time; closes <= opens runs overnight into the
// next day (22:00–02:00), and closes == opens is open around the clock.
type span struct{ opens, closes minutes }

// day is a local calendar date.
type day struct {
	y int
	m time.Month
	d int
}

func dayOf(t time.Time) day { y, m, d := t.Date(); return day{y, m, d} }

func (d day) add(n int) day { return dayOf(time.Date(d.y, d.m, d.d+n, 12, 0, 0, 0, time.UTC)) }

func (d day) weekday() time.Weekday { return time.Date(d.y, d.m, d.d, 12, 0, 0, 0, time.UTC).Weekday() }

// schedule is a location's hours: regular spans per weekday, and exceptions that replace a
// date's spans entirely (no spans: closed that date). The spans of a date include the
// overnight part that runs into the next date.
type schedule struct {
	zone       *time.Location
	weekly     [7][]span
	exceptions map[day][]span
}

// interval is one opening as instants, [start, end).
type interval struct{ start, end time.Time }

// spansOn are the spans starting on local date d.
func (s schedule) spansOn(d day) []span {
	if sp, ok := s.exceptions[d]; ok {
		return sp
	}
	return s.weekly[d.weekday()]
}

// intervals are the openings starting on the local dates from..to, in start order.
func (s schedule) intervals(from, to day) []interval {
	var out []interval
	for d := from; d != to.add(1); d = d.add(1) {
		for _, sp := range s.spansOn(d) {
			end := d
			if sp.closes <= sp.opens {
				end = d.add(1)
			}
			out = append(out, interval{wallInstant(d, sp.opens, s.zone), wallInstant(end, sp.closes, s.zone)})
		}
	}
	slices.SortFunc(out, func(a, b interval) int { return a.start.Compare(b.start) })
	return out
}

// horizon is how far ahead the next opening is looked for: a location closed for longer
// (a season) answers no next opening rather than scanning forever.
const horizon = 62

// status is whether the location is open at t, until when, and when it next opens (zero
// times: none within the horizon). Touching openings (Monday 22:00–02:00, then Tuesday
// 02:00–08:00) are one: it closes at 08:00.
func (s schedule) status(t time.Time) (open bool, closes, next time.Time) {
	today := dayOf(t.In(s.zone))
	for _, iv := range s.intervals(today.add(-1), today.add(horizon)) {
		switch {
		case open && !iv.start.After(closes):
			closes = maxTime(closes, iv.end)
		case !iv.start.After(t) && t.Before(iv.end):
			open, closes = true, iv.end
		case iv.start.After(t) && next.IsZero() && (!open || iv.start.After(closes)):
			next = iv.start
		}
	}
	return open, closes, next
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// probeSpan is how far either side of a wall time wallInstant reads the zone's offsets: the
// instant sought lies within 14 hours of the wall time read as UTC (offsets run from -12 to
// +14), so offsets read 36 hours away are the ones before and after any transition near it
// (transitions are months apart). Twelve hours was not enough east of +12: Auckland's
// spring-forward gap read the new offset on both sides.
const probeSpan = 36 * time.Hour

// wallInstant is the instant local date d at wall time m in zone. On a fall-back day a wall
// time that happens twice is its first occurrence (an opening at 01:30 opens at the first
// 01:30; a closing at 01:30 closes then too, the conservative answer). On a spring-forward
// day a wall time that does not exist is the moment the clocks jump (02:30 is 03:00 in
// America/Denver on 8 March 2026): the first instant the wall clock reads at or after it.
func wallInstant(d day, m minutes, zone *time.Location) time.Time {
	wall := time.Date(d.y, d.m, d.d, int(m)/60, int(m)%60, 0, 0, time.UTC)
	var first time.Time
	for _, probe := range []time.Duration{-probeSpan, probeSpan} {
		_, off := wall.Add(probe).In(zone).Zone()
		t := wall.Add(-time.Duration(off) * time.Second)
		local := t.In(zone)
		if sameWall(local, wall) && (first.IsZero() || t.Before(first)) {
			first = t
		}
	}
	if !first.IsZero() {
		return first
	}
	// In the gap: read with the offset before the jump, it lands after the jump; that
	// zone period starts at the jump.
	_, before := wall.Add(-probeSpan).In(zone).Zone()
	start, _ := wall.Add(-time.Duration(before) * time.Second).In(zone).ZoneBounds()
	return start
}

func sameWall(local, wall time.Time) bool {
	y, mo, d := local.Date()
	wy, wmo, wd := wall.Date()
	return y == wy && mo == wmo && d == wd && local.Hour() == wall.Hour() && local.Minute() == wall.Minute()
}
