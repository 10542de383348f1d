package preference

import (
	"fmt"
	"time"

	"github.com/novatrek/support/processors/notifications/provider"
)

// Decision is what to do with one message on one channel.
type Decision struct {
	// Send is false when the message must not be delivered on this channel at all.
	Send bool
	// Defer, when not zero (Send is then true), is the earliest time to deliver: the end of the
	// recipient's quiet hours. Zero means deliver now.
	Defer time.Time
	// Reason says why, for the notification record and the logs.
	Reason string
}

// Reasons Decide gives (Defer and opt-out reasons add detail after a colon).
const (
	ReasonSafetyBypass = "safety-critical: preferences bypassed"
	ReasonAllowed      = "allowed"
	ReasonChannelOff   = "opted out of channel"
	ReasonCategoryOff  = "opted out of category"
	ReasonQuietHours   = "quiet hours"
)

// Decide applies p to a message of category c on channel ch at instant now. It is pure: no
// I/O and no clock of its own. Order: safety-critical categories always send now; then channel
// opt-out, category opt-out (no send); then quiet hours (defer, except in-app). A time zone
// that does not load (only possible for rows written around Validate) is treated as UTC
// rather than dropping the message.
func Decide(p Preferences, c Category, ch provider.Channel, now time.Time) Decision {
	if BypassesPreferences(c) {
		return Decision{Send: true, Reason: ReasonSafetyBypass}
	}
	if p.optedOutOf(ch) {
		return Decision{Reason: fmt.Sprintf("%s: %s", ReasonChannelOff, ch)}
	}
	if p.optedOutOfCategory(c) {
		return Decision{Reason: fmt.Sprintf("%s: %s", ReasonCategoryOff, c)}
	}
	if p.QuietHours != nil && ch != provider.InApp {
		loc, err := location(p.TimeZone)
		if err != nil {
			loc = time.UTC
		}
		if p.QuietHours.contains(now.In(loc)) {
			end := p.QuietHours.endAfter(now, loc)
			return Decision{Send: true, Defer: end, Reason: fmt.Sprintf("%s: until %s", ReasonQuietHours, end.In(loc).Format(time.RFC3339))}
		}
	}
	return Decision{Send: true, Reason: ReasonAllowed}
}

func clockOf(t time.Time) Clock { return At(t.Hour(), t.Minute()) }

// contains reports whether local wall-clock time t is inside [Start, End), wrapping midnight
// when Start > End.
func (q QuietHours) contains(t time.Time) bool {
	m := clockOf(t)
	if q.Start < q.End {
		return m >= q.Start && m < q.End
	}
	return m >= q.Start || m < q.End
}

// endAfter returns the instant the window containing now ends: the next local End, today or,
// for a window that wrapped past midnight, tomorrow. Two DST cases need care:
//   - End falls in a spring-forward gap (02:30 on a day 02:00 jumps to 03:00): the wall clock
//     leaves the window at the jump, so the end is the transition instant.
//   - End occurs twice (fall back): the end is the first occurrence after now.
func (q QuietHours) endAfter(now time.Time, loc *time.Location) time.Time {
	local := now.In(loc)
	y, mo, d := local.Date()
	if q.Start > q.End && clockOf(local) >= q.Start {
		d++ // the window ends tomorrow; time.Date normalizes month and year ends
	}
	end := time.Date(y, mo, d, int(q.End)/60, int(q.End)%60, 0, 0, loc)
	if clockOf(end) != q.End { // in a gap: time.Date moved it across the jump, either way
		start, stop := end.ZoneBounds()
		if stop.IsZero() || end.Sub(start) < stop.Sub(end) {
			end = start
		} else {
			end = stop
		}
	}
	// For a repeated wall-clock time, time.Date picked one occurrence; the same wall time
	// under now's offset is the other one. Take whichever comes first after now.
	_, offEnd := end.Zone()
	_, offNow := local.Zone()
	if offEnd != offNow {
		alt := end.Add(time.Duration(offEnd-offNow) * time.Second)
		if clockOf(alt.In(loc)) == q.End && alt.After(now) && (alt.Before(end) || !end.After(now)) {
			end = alt
		}
	}
	return end
}
