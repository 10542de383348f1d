package location

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgtype"

	"github.com/novatrek/support/internal/platform/store"
)

// loadSchedule reads the hours of location id in its zone; set says whether it has any
// (a location without hours is always open: a trail, a service area).
func loadSchedule(ctx context.Context, db store.DB, id, zoneName string) (s schedule, set bool, err error) {
	s.zone, err = time.LoadLocation(zoneName)
	if err != nil {
		return s, false, fmt.Errorf("location %q: time zone %q: %w", id, zoneName, err)
	}
	s.exceptions = map[day][]span{}
	rows, err := db.Query(ctx, `SELECT weekday, on_date, opens, closes, closed FROM locations.operating_hours WHERE location_id = $1`, id)
	if err != nil {
		return s, false, fmt.Errorf("read hours of %q: %w", id, err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			weekday       *int16
			onDate        *time.Time
			opens, closes pgtype.Time
			closed        bool
		)
		if err := rows.Scan(&weekday, &onDate, &opens, &closes, &closed); err != nil {
			return s, false, fmt.Errorf("read hours of %q: %w", id, err)
		}
		set = true
		sp := span{minutes(opens.Microseconds / 60e6), minutes(closes.Microseconds / 60e6)}
		switch {
		case weekday != nil:
			s.weekly[*weekday] = append(s.weekly[*weekday], sp)
		case closed:
			// Present and empty: closed all that date.
			if d := dayOf(*onDate); s.exceptions[d] == nil {
				s.exceptions[d] = []span{}
			}
		default:
			d := dayOf(*onDate)
			s.exceptions[d] = append(s.exceptions[d], sp)
		}
	}
	return s, set, rows.Err()
}
