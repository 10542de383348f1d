package intake

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/novatrek/support/schemas"
)

// A trip-weather-risk.changed names a departure and the schedule it came from, not people;
// the guides of that departure are in the schedule.published this service also consumes.
// departure_guides (migration 0004) keeps them, so the risk also reaches the departure's
// guides. A risk that arrives before its schedule (the topics are not ordered with each
// other) reaches the groups only.

var (
	guidesTable   = pgx.Identifier{Schema, "departure_guides"}.Sanitize()
	replaceGuides = `DELETE FROM ` + guidesTable + ` WHERE schedule_id = $1 AND revision < $2`
	insertGuides  = `INSERT INTO ` + guidesTable + ` (schedule_id, departure_id, guide_id, revision, ends_at)
SELECT $1, d, g, $2, e FROM unnest($3::text[], $4::text[], $5::timestamptz[]) AS a(d, g, e)
WHERE NOT EXISTS (SELECT 1 FROM ` + guidesTable + ` WHERE schedule_id = $1 AND revision > $2)
ON CONFLICT DO NOTHING`
	pruneGuides  = `DELETE FROM ` + guidesTable + ` WHERE ends_at < $1::timestamptz - interval '1 day'`
	selectGuides = `SELECT guide_id FROM ` + guidesTable + ` WHERE schedule_id = $1 AND departure_id = $2 ORDER BY guide_id`
)

// recordDepartureGuides stores s's assignments as its schedule's guides per departure,
// replacing an older revision's (an older revision arriving late changes nothing), and
// prunes departures that ended more than a day before s was published.
func recordDepartureGuides(ctx context.Context, tx pgx.Tx, s *schemas.SchedulePublished) error {
	deps := make([]string, 0, len(s.Assignments))
	guides := make([]string, 0, len(s.Assignments))
	ends := make([]time.Time, 0, len(s.Assignments))
	for _, a := range s.Assignments {
		if a.DepartureID == "" || a.GuideID == "" {
			continue // nothing to look up by, or no one to reach; the assignment notice still goes out
		}
		deps, guides, ends = append(deps, a.DepartureID), append(guides, a.GuideID), append(ends, a.EndsAt)
	}
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{replaceGuides, []any{s.ScheduleID, s.Revision}},
		{insertGuides, []any{s.ScheduleID, s.Revision, deps, guides, ends}},
		{pruneGuides, []any{s.Metadata.OccurredAt}},
	} {
		if _, err := tx.Exec(ctx, q.sql, q.args...); err != nil {
			return fmt.Errorf("record departure guides of schedule %s: %w", s.ScheduleID, err)
		}
	}
	return nil
}

// departureGuides returns the guides recorded for a departure of a schedule.
func departureGuides(ctx context.Context, tx pgx.Tx, scheduleID, departureID string) ([]string, error) {
	rows, err := tx.Query(ctx, selectGuides, scheduleID, departureID)
	if err != nil {
		return nil, fmt.Errorf("read guides of departure %s: %w", departureID, err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("read guides of departure %s: %w", departureID, err)
	}
	return ids, nil
}
