package analytics

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
)

// row is a fact with its identity: the event it came from and its position among that
// event's facts.
type row struct {
	eventID string
	seq     int16
	fact
}

// insertFacts is the statement writing one table's new facts and adding exactly the rows
// it inserted to the rollups: ON CONFLICT DO NOTHING skips a fact already stored (a
// duplicate of an event the inbox did not catch, a replay onto kept facts), and RETURNING
// feeds only the new ones to the rollup, so nothing counts twice.
const insertFacts = `WITH ins AS (
	INSERT INTO analytics.%[3]s (event_id, seq, occurred_at, metric, trip_id, guide_id, location_id, guest_id,
		reservation_id, reference_id, category, currency, value)
	SELECT e::uuid, s, t, m, nullif(tr, ''), nullif(g, ''), nullif(l, ''), nullif(gu, ''),
		nullif(r, ''), nullif(ref, ''), nullif(c, ''), nullif(cur, '')::char(3), v::numeric
	FROM unnest($1::text[], $2::smallint[], $3::timestamptz[], $4::text[], $5::text[], $6::text[], $7::text[],
		$8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[])
		AS u(e, s, t, m, tr, g, l, gu, r, ref, c, cur, v)
	ON CONFLICT DO NOTHING
	RETURNING *)
INSERT INTO analytics.rollups AS r (fact, dim, dim_value, grain, metric, bucket, currency, n, total)
` + rollupSelect + `
ON CONFLICT (fact, dim, dim_value, grain, metric, bucket, currency)
DO UPDATE SET n = r.n + excluded.n, total = r.total + excluded.total`

// write stores rows and their rollups in tx: the partitions of their months first (no-op
// when they exist), then one statement per table.
func write(ctx context.Context, tx pgx.Tx, rows []row) error {
	if len(rows) == 0 {
		return nil
	}
	if err := ensureMonths(ctx, tx, monthsOf(rows)); err != nil {
		return err
	}
	for t := range tableCount {
		var c columns
		for i := range rows {
			if rows[i].table == t {
				c.add(&rows[i])
			}
		}
		if len(c.event) == 0 {
			continue
		}
		if _, err := tx.Exec(ctx, fmt.Sprintf(insertFacts, quote(t.String()), "ins", t), c.args()...); err != nil {
			return fmt.Errorf("analytics: write %s: %w", t, err)
		}
	}
	return nil
}

// monthsOf lists the distinct months of rows.
func monthsOf(rows []row) []time.Time {
	var months []time.Time
	for i := range rows {
		if m := monthStart(rows[i].at); !slices.Contains(months, m) {
			months = append(months, m)
		}
	}
	return months
}

// ensureMonths creates the months' partitions of every fact table that do not exist yet.
func ensureMonths(ctx context.Context, tx pgx.Tx, months []time.Time) error {
	days := make([]string, len(months))
	for i, m := range months {
		days[i] = m.Format(time.DateOnly)
	}
	if _, err := tx.Exec(ctx, `SELECT analytics.ensure_months($1::date[])`, days); err != nil {
		return fmt.Errorf("analytics: create partitions for %v: %w", days, err)
	}
	return nil
}

// columns are rows of one table as parallel arrays, the parameters of insertFacts.
type columns struct {
	event                                                      []string
	seq                                                        []int16
	at                                                         []time.Time
	metric, trip, guide, location, guest, reservation, ref, ca []string
	currency, value                                            []string
}

func (c *columns) add(r *row) {
	c.event, c.seq, c.at = append(c.event, r.eventID), append(c.seq, r.seq), append(c.at, r.at)
	c.metric, c.trip, c.guide = append(c.metric, r.metric), append(c.trip, r.trip), append(c.guide, r.guide)
	c.location, c.guest, c.reservation = append(c.location, r.location), append(c.guest, r.guest), append(c.reservation, r.reservation)
	c.ref, c.ca = append(c.ref, r.reference), append(c.ca, r.category)
	c.currency, c.value = append(c.currency, r.currency), append(c.value, r.value)
}

func (c *columns) args() []any {
	return []any{c.event, c.seq, c.at, c.metric, c.trip, c.guide, c.location, c.guest, c.reservation, c.ref, c.ca, c.currency, c.value}
}
