package location

import (
	"net/http"
	"testing"
	"time"

	"github.com/novatrek/support/internal/testkit/servicetest"
)

func zone(t *testing.T, name string) *time.Location {
	t.Helper()
	z, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return z
}

func hm(h, m int) minutes { return minutes(h*60 + m) }

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// statusCase asks a schedule about one instant.
type statusCase struct {
	name         string
	at           string // UTC
	open         bool
	closes, next string // UTC, "" for none
}

func checkStatus(t *testing.T, s schedule, cases []statusCase) {
	t.Helper()
	for _, c := range cases {
		open, closes, next := s.status(utc(c.at))
		str := func(x time.Time) string {
			if x.IsZero() {
				return ""
			}
			return x.UTC().Format(time.RFC3339)
		}
		if open != c.open || str(closes) != c.closes || str(next) != c.next {
			t.Errorf("%s (%s, local %s): open=%v closes=%q next=%q; want open=%v closes=%q next=%q", c.name, c.at,
				utc(c.at).In(s.zone).Format(time.RFC3339), open, str(closes), str(next), c.open, c.closes, c.next)
		}
	}
}

// TestHoursOnDSTDaysInDenver: America/Denver springs forward on 8 March 2026 (02:00 MST is
// 03:00 MDT, 09:00 UTC) and falls back on 1 November 2026 (02:00 MDT is 01:00 MST, 08:00
// UTC). An overnight Saturday 22:00–02:00 lasts 4 hours on the first night (02:00 does not
// exist: it closes when the clocks jump) and 5 on the second; an opening at 02:30, which does
// not exist on 8 March, opens at the jump; an opening at 01:30 on 1 November opens at the
// first 01:30.
func TestHoursOnDSTDaysInDenver(t *testing.T) {
	t.Parallel()
	s := schedule{zone: zone(t, "America/Denver"), exceptions: map[day][]span{}}
	s.weekly[time.Saturday] = []span{{hm(22, 0), hm(2, 0)}}
	s.weekly[time.Sunday] = []span{{hm(2, 30), hm(10, 0)}}
	checkStatus(t, s, []statusCase{
		// Spring forward.
		// The overnight span ends at the jump (09:00 UTC), and the 02:30 opening, which does
		// not exist today, begins at that same instant: they touch, so the answer is one
		// opening until 10:00 MDT.
		{"Saturday night opens 22:00 MST", "2026-03-08T05:00:00Z", true, "2026-03-08T16:00:00Z", "2026-03-15T04:00:00Z"},
		{"01:59 MST, still open", "2026-03-08T08:59:00Z", true, "2026-03-08T16:00:00Z", "2026-03-15T04:00:00Z"},
		{"jump", "2026-03-08T09:00:00Z", true, "2026-03-08T16:00:00Z", "2026-03-15T04:00:00Z"},
		{"Sunday 10:00 MDT closes", "2026-03-08T16:00:00Z", false, "", "2026-03-15T04:00:00Z"},
		{"a week later 22:00 MDT", "2026-03-15T04:00:00Z", true, "2026-03-15T08:00:00Z", "2026-03-15T08:30:00Z"},
		// Fall back.
		{"Saturday 21:59 MDT", "2026-11-01T03:59:00Z", false, "", "2026-11-01T04:00:00Z"},
		{"first 01:30 (MDT)", "2026-11-01T07:30:00Z", true, "2026-11-01T09:00:00Z", "2026-11-01T09:30:00Z"},
		{"second 01:30 (MST), still open", "2026-11-01T08:30:00Z", true, "2026-11-01T09:00:00Z", "2026-11-01T09:30:00Z"},
		{"02:00 MST closes: 5 hours", "2026-11-01T09:00:00Z", false, "", "2026-11-01T09:30:00Z"},
		{"Sunday 02:30 MST opens", "2026-11-01T09:30:00Z", true, "2026-11-01T17:00:00Z", "2026-11-08T05:00:00Z"},
	})
	// The overnight span alone: 4 hours on the spring-forward night.
	night := schedule{zone: s.zone, exceptions: map[day][]span{}}
	night.weekly[time.Saturday] = s.weekly[time.Saturday]
	checkStatus(t, night, []statusCase{
		{"01:59 MST", "2026-03-08T08:59:00Z", true, "2026-03-08T09:00:00Z", "2026-03-15T04:00:00Z"},
		{"03:00 MDT, closed at the jump", "2026-03-08T09:00:00Z", false, "", "2026-03-15T04:00:00Z"},
	})
}

// TestHoursOnDSTDaysInBerlin: Europe/Berlin springs forward on 29 March 2026 (02:00 CET is
// 03:00 CEST, 01:00 UTC) and falls back on 25 October 2026 (03:00 CEST is 02:00 CET, 01:00
// UTC). Daily 09:00–17:00 is 08:00–16:00 UTC before and 07:00–15:00 UTC after the change;
// an overnight 22:00–04:00 on the fall-back night lasts 7 hours.
func TestHoursOnDSTDaysInBerlin(t *testing.T) {
	t.Parallel()
	s := schedule{zone: zone(t, "Europe/Berlin"), exceptions: map[day][]span{}}
	for d := time.Sunday; d <= time.Saturday; d++ {
		s.weekly[d] = []span{{hm(9, 0), hm(17, 0)}}
	}
	s.weekly[time.Saturday] = append(s.weekly[time.Saturday], span{hm(22, 0), hm(4, 0)})
	checkStatus(t, s, []statusCase{
		{"Saturday 28 March 09:00 CET", "2026-03-28T08:00:00Z", true, "2026-03-28T16:00:00Z", "2026-03-28T21:00:00Z"},
		{"Sunday 29 March 08:30 CEST, not yet", "2026-03-29T06:30:00Z", false, "", "2026-03-29T07:00:00Z"},
		{"Sunday 29 March 09:00 CEST", "2026-03-29T07:00:00Z", true, "2026-03-29T15:00:00Z", "2026-03-30T07:00:00Z"},
		{"Saturday 24 October 22:00 CEST", "2026-10-24T20:00:00Z", true, "2026-10-25T03:00:00Z", "2026-10-25T08:00:00Z"},
		{"the repeated 02:30 (CET)", "2026-10-25T01:30:00Z", true, "2026-10-25T03:00:00Z", "2026-10-25T08:00:00Z"},
		{"04:00 CET closes: 7 hours", "2026-10-25T03:00:00Z", false, "", "2026-10-25T08:00:00Z"},
	})
}

// TestHoursOnDSTDaysInAuckland: Pacific/Auckland (+12, +13 in summer) springs forward on
// 27 September 2026 (02:00 NZST is 03:00 NZDT, 14:00 UTC the day before): an opening at
// 02:30 opens at the jump. Far east of UTC, the offsets either side of the gap must be read
// further away than half a day.
func TestHoursOnDSTDaysInAuckland(t *testing.T) {
	t.Parallel()
	s := schedule{zone: zone(t, "Pacific/Auckland"), exceptions: map[day][]span{}}
	s.weekly[time.Sunday] = []span{{hm(2, 30), hm(10, 0)}}
	checkStatus(t, s, []statusCase{
		{"01:59 NZST", "2026-09-26T13:59:00Z", false, "", "2026-09-26T14:00:00Z"},
		{"03:00 NZDT", "2026-09-26T14:00:00Z", true, "2026-09-26T21:00:00Z", "2026-10-03T13:30:00Z"},
	})
}

// TestOvernightHoursAndExceptions: 22:00–02:00 is open past midnight into the next date;
// spans that touch (Friday 18:00–24:00, Saturday 00:00–02:00) are one opening; an exception
// closes a date, and one replaces a date's hours; a location closed longer than the horizon
// has no next opening.
func TestOvernightHoursAndExceptions(t *testing.T) {
	t.Parallel()
	s := schedule{zone: time.UTC, exceptions: map[day][]span{}}
	s.weekly[time.Thursday] = []span{{hm(22, 0), hm(2, 0)}}
	s.weekly[time.Friday] = []span{{hm(18, 0), hm(0, 0)}}
	s.weekly[time.Saturday] = []span{{hm(0, 0), hm(2, 0)}, {hm(10, 0), hm(12, 0)}}
	s.exceptions[day{2026, time.December, 25}] = []span{}                       // Friday: closed
	s.exceptions[day{2026, time.December, 26}] = []span{{hm(14, 0), hm(15, 0)}} // Saturday: only 14–15
	checkStatus(t, s, []statusCase{
		{"Friday 01:00 after Thursday night", "2026-12-04T01:00:00Z", true, "2026-12-04T02:00:00Z", "2026-12-04T18:00:00Z"},
		{"Friday 23:00 runs through Saturday 02:00", "2026-12-04T23:00:00Z", true, "2026-12-05T02:00:00Z", "2026-12-05T10:00:00Z"},
		{"Christmas: Thursday night still spills over", "2026-12-25T01:00:00Z", true, "2026-12-25T02:00:00Z", "2026-12-26T14:00:00Z"},
		{"Christmas evening closed", "2026-12-25T19:00:00Z", false, "", "2026-12-26T14:00:00Z"},
		{"26 December's own hours", "2026-12-26T14:30:00Z", true, "2026-12-26T15:00:00Z", "2026-12-31T22:00:00Z"},
	})
	closed := schedule{zone: time.UTC, exceptions: map[day][]span{}}
	closed.weekly[time.Monday] = []span{{hm(8, 0), hm(9, 0)}}
	for d := dayOf(utc("2026-12-07T00:00:00Z")); d != (day{2027, time.March, 1}); d = d.add(1) {
		closed.exceptions[d] = []span{}
	}
	checkStatus(t, closed, []statusCase{{"closed for the season", "2026-12-07T08:30:00Z", false, "", ""}})
}

// TestHoursAndCapacityThroughTheAPI: hours put in local time answer open/next opening in
// local time and UTC; the capacity check says closed, full or fits.
func TestHoursAndCapacityThroughTheAPI(t *testing.T) {
	t.Parallel()
	svc := start(t, servicetest.WithoutConsumer())
	put(t, svc, "lodge", site("Lodge", 39.6, -106.4, 10))
	resp := svc.Call(CallerOps, "PUT", "/v1/locations/lodge/hours", map[string]any{
		"weekly":     []any{map[string]any{"weekday": "saturday", "opens": "22:00", "closes": "02:00"}},
		"exceptions": []any{map[string]any{"date": "2026-03-14", "closed": true}},
	})
	if resp.Status != http.StatusOK {
		t.Fatalf("PUT hours = %d %s", resp.Status, resp.Body)
	}
	var st HoursStatus
	resp = svc.Call(CallerScheduling, "GET", "/v1/locations/lodge/hours?at=2026-03-08T08:30:00Z", nil)
	resp.JSON(t, &st)
	if !st.Open || st.ClosesAt == nil || st.ClosesAt.Local != "2026-03-08T03:00:00-06:00" || st.NextOpening == nil ||
		st.NextOpening.UTC != utc("2026-03-22T04:00:00Z") || st.At.Local != "2026-03-08T01:30:00-07:00" {
		t.Errorf("hours at 01:30 MST on the spring-forward night = %s", resp.Body)
	}

	for _, c := range []struct {
		query, reason string
		fits          bool
	}{
		{"party_size=4&at=2026-03-08T08:30:00Z", "", true},
		{"party_size=4&at=2026-03-08T12:00:00Z", "closed", false},
		{"party_size=11&at=2026-03-08T08:30:00Z", "capacity", false},
	} {
		var cc CapacityCheck
		resp := svc.Call(CallerScheduling, "GET", "/v1/locations/lodge/capacity?"+c.query, nil)
		resp.JSON(t, &cc)
		if resp.Status != http.StatusOK || cc.Fits != c.fits || cc.Reason != c.reason || cc.Available == nil || *cc.Available != 10 {
			t.Errorf("capacity %s = %d %s; want fits=%v reason=%q", c.query, resp.Status, resp.Body, c.fits, c.reason)
		}
	}
}
