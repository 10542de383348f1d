package location

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/novatrek/support/internal/platform/httpedge"
	"github.com/novatrek/support/internal/platform/problem"
)

// HoursInput is the body of PUT /v1/locations/{id}/hours: all of the location's hours,
// replacing the previous ones. Times are local "HH:MM"; closes at or before opens runs
// overnight into the next day.
type HoursInput struct {
	Weekly     []WeeklyHours `json:"weekly"`
	Exceptions []DateHours   `json:"exceptions"`
}

// WeeklyHours is one regular opening on a weekday ("monday" .. "sunday").
type WeeklyHours struct {
	Weekday string `json:"weekday"`
	Opens   string `json:"opens"`
	Closes  string `json:"closes"`
}

// DateHours is an exception on a local date: closed all day, or open these hours instead
// of the weekday's (several entries of one date are several openings).
type DateHours struct {
	Date   string `json:"date"`
	Closed bool   `json:"closed"`
	Opens  string `json:"opens"`
	Closes string `json:"closes"`
}

var weekdays = map[string]time.Weekday{"sunday": time.Sunday, "monday": time.Monday, "tuesday": time.Tuesday,
	"wednesday": time.Wednesday, "thursday": time.Thursday, "friday": time.Friday, "saturday": time.Saturday}

// hoursRow is one row of operating_hours.
type hoursRow struct {
	weekday       *int16
	date          *time.Time
	opens, closes *string
	closed        bool
}

// rows checks in and returns its rows, or a 400 naming every invalid field.
func (in HoursInput) rows() ([]hoursRow, error) {
	var errs []problem.FieldError
	fail := func(field, reason string) { errs = append(errs, problem.FieldError{Field: field, Reason: reason}) }
	clock := func(field, v string) *string {
		if _, err := time.Parse("15:04", v); err != nil || len(v) != 5 {
			fail(field, "must be a local time HH:MM from 00:00 to 23:59")
			return nil
		}
		return &v
	}
	var out []hoursRow
	for i, w := range in.Weekly {
		field := fmt.Sprintf("weekly[%d]", i)
		wd, ok := weekdays[w.Weekday]
		if !ok {
			fail(field+".weekday", "must be a weekday name, monday to sunday")
		}
		n := int16(wd)
		out = append(out, hoursRow{weekday: &n, opens: clock(field+".opens", w.Opens), closes: clock(field+".closes", w.Closes)})
	}
	closedOn := map[string]bool{}
	for i, e := range in.Exceptions {
		field := fmt.Sprintf("exceptions[%d]", i)
		d, err := time.Parse(time.DateOnly, e.Date)
		if err != nil {
			fail(field+".date", "must be a date YYYY-MM-DD")
		}
		row := hoursRow{date: &d, closed: e.Closed}
		switch {
		case e.Closed && (e.Opens != "" || e.Closes != ""):
			fail(field, "a closed date has no opens or closes")
		case e.Closed:
			closedOn[e.Date] = true
		default:
			row.opens, row.closes = clock(field+".opens", e.Opens), clock(field+".closes", e.Closes)
		}
		out = append(out, row)
	}
	for i, e := range in.Exceptions {
		if !e.Closed && closedOn[e.Date] {
			fail(fmt.Sprintf("exceptions[%d].date", i), "the date is also declared closed")
		}
	}
	if len(errs) > 0 {
		return nil, problem.Validation("The hours are invalid.", errs...)
	}
	return out, nil
}

// handlePutHours is PUT /v1/locations/{id}/hours: replaces the location's hours and answers
// their status now.
func (a *app) handlePutHours(w http.ResponseWriter, r *http.Request) error {
	ctx, id := r.Context(), r.PathValue("id")
	var in HoursInput
	if err := httpedge.DecodeJSON(r, &in); err != nil {
		return err
	}
	rows, err := in.rows()
	if err != nil {
		return err
	}
	l, err := getLocation(ctx, a.db, id)
	if err != nil {
		return err
	}
	err = pgx.BeginFunc(ctx, a.db, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM locations.operating_hours WHERE location_id = $1`, id); err != nil {
			return err
		}
		for _, h := range rows {
			if _, err := tx.Exec(ctx, `INSERT INTO locations.operating_hours (location_id, weekday, on_date, opens, closes, closed)
				VALUES ($1, $2, $3, $4::time, $5::time, $6)`, id, h.weekday, h.date, h.opens, h.closes, h.closed); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("replace hours of %q: %w", id, err)
	}
	st, err := a.hoursStatus(ctx, l, a.now())
	if err != nil {
		return err
	}
	return httpedge.WriteJSON(w, http.StatusOK, st)
}

// Moment is an instant in UTC and as the location's wall clock shows it.
type Moment struct {
	UTC   time.Time `json:"utc"`
	Local string    `json:"local"`
}

func moment(t time.Time, zone *time.Location) *Moment {
	if t.IsZero() {
		return nil
	}
	return &Moment{UTC: t.UTC(), Local: t.In(zone).Format(time.RFC3339)}
}

// HoursStatus answers "open now, and until when; if not, when next".
type HoursStatus struct {
	LocationID string `json:"location_id"`
	TimeZone   string `json:"time_zone"`
	At         Moment `json:"at"`
	// HoursSet is false for a location without hours, which is always open.
	HoursSet    bool    `json:"hours_set"`
	Open        bool    `json:"open"`
	ClosesAt    *Moment `json:"closes_at"`
	NextOpening *Moment `json:"next_opening"`
}

func (a *app) hoursStatus(ctx context.Context, l Location, at time.Time) (HoursStatus, error) {
	s, set, err := loadSchedule(ctx, a.db, l.ID, l.TimeZone)
	if err != nil {
		return HoursStatus{}, err
	}
	st := HoursStatus{LocationID: l.ID, TimeZone: l.TimeZone, At: *moment(at, s.zone), HoursSet: set, Open: !set}
	if set {
		open, closes, next := s.status(at)
		st.Open, st.ClosesAt, st.NextOpening = open, moment(closes, s.zone), moment(next, s.zone)
	}
	return st, nil
}

// handleHours is GET /v1/locations/{id}/hours[?at=RFC3339]: open at that time (default now),
// until when, and the next opening, in local time and UTC.
func (a *app) handleHours(w http.ResponseWriter, r *http.Request) error {
	p := params{v: r.URL.Query()}
	at := p.instant("at", a.now())
	if err := p.err(); err != nil {
		return err
	}
	l, err := getLocation(r.Context(), a.db, r.PathValue("id"))
	if err != nil {
		return err
	}
	st, err := a.hoursStatus(r.Context(), l, at)
	if err != nil {
		return err
	}
	return httpedge.WriteJSON(w, http.StatusOK, st)
}
