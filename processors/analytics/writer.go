package analytics

import (
	"context"
	"fmt"
	"slices"
	"strings"
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

// insertFacts is the one statement writing a batch's facts to their tables and adding
// exactly the rows it inserted to the rollups: each table's insert is ON CONFLICT DO
// NOTHING, which skips a fact already stored (a duplicate of an event the inbox did not
// catch, a replay onto kept facts), and only their RETURNING rows feed the rollup, so
// nothing counts twice. One statement for all six tables is one round trip per batch.
var insertFacts = insertStatement(true)

// insertFactsOnly is insertFacts without the rollups: the write during a rebuild by replay,
// whose rollups are computed once from the facts at its end (deferred.go).
var insertFactsOnly = insertStatement(false)

// insertStatement builds insertFacts (withRollups) or insertFactsOnly.
func insertStatement(withRollups bool) string {
	var q strings.Builder
	q.WriteString(`WITH u AS MATERIALIZED (SELECT * FROM unnest($1::smallint[], $2::text[], $3::smallint[], $4::timestamptz[],
		$5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[], $14::text[])
		AS u(tbl, e, s, t, m, tr, g, l, gu, r, ref, c, cur, v))`)
	var union []string
	for t := range tableCount {
		returning := "\n\tRETURNING *"
		if !withRollups {
			returning = ""
		}
		fmt.Fprintf(&q, `,
i%[1]d AS (INSERT INTO analytics.%[2]s (event_id, seq, occurred_at, metric, trip_id, guide_id, location_id, guest_id,
		reservation_id, reference_id, category, currency, value)
	SELECT e::uuid, s, t, m, nullif(tr, ''), nullif(g, ''), nullif(l, ''), nullif(gu, ''),
		nullif(r, ''), nullif(ref, ''), nullif(c, ''), nullif(cur, '')::char(3), v::numeric
	FROM u WHERE tbl = %[1]d
	ON CONFLICT DO NOTHING%[3]s)`, int(t), t, returning)
		union = append(union, fmt.Sprintf("SELECT %s AS fact, * FROM i%d", quote(t.String()), int(t)))
	}
	if !withRollups {
		// Data-modifying CTEs run whether or not anything reads them.
		q.WriteString("\nSELECT 1")
		return q.String()
	}
	fmt.Fprintf(&q, `,
ins AS (%s)
INSERT INTO analytics.rollups AS r (fact, dim, dim_value, grain, metric, bucket, currency, n, total)
%s
ON CONFLICT (fact, dim, dim_value, grain, metric, bucket, currency)
DO UPDATE SET n = r.n + excluded.n, total = r.total + excluded.total`, strings.Join(union, "\nUNION ALL "), fmt.Sprintf(rollupSelect, "f.fact", "ins"))
	return q.String()
}

// write stores rows, and their rollups unless a rebuild defers them, in tx: first the
// batch's turn (beginWrite: whether the rollups are deferred, the partitions of the rows'
// months), then one statement (insertFacts), or during a rebuild the facts alone
// (writeFactsOnly).
func write(ctx context.Context, tx pgx.Tx, rows []row) error {
	if len(rows) == 0 {
		return nil
	}
	deferred, err := beginWrite(ctx, tx, monthsOf(rows))
	if err != nil {
		return err
	}
	if deferred {
		return writeFactsOnly(ctx, tx, rows)
	}
	if _, err := tx.Exec(ctx, insertFacts, argsOf(rows)...); err != nil {
		return fmt.Errorf("analytics: write facts: %w", err)
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
	days := monthDays(months)
	if _, err := tx.Exec(ctx, ensureMonthsSQL, days); err != nil {
		return monthsError(days, err)
	}
	return nil
}

// ensureMonthsSQL creates the partitions of the months $1 (dates) that do not exist yet.
const ensureMonthsSQL = `SELECT analytics.ensure_months($1::date[])`

// monthDays are months as the dates ensureMonthsSQL takes.
func monthDays(months []time.Time) []string {
	days := make([]string, len(months))
	for i, m := range months {
		days[i] = m.Format(time.DateOnly)
	}
	return days
}

func monthsError(days []string, err error) error {
	return fmt.Errorf("analytics: create partitions for %v: %w", days, err)
}

// columns are rows of one table as parallel arrays, the parameters of insertFacts.
type columns struct {
	table                                                      []int16
	event                                                      []string
	seq                                                        []int16
	at                                                         []time.Time
	metric, trip, guide, location, guest, reservation, ref, ca []string
	currency, value                                            []string
}

func (c *columns) add(r *row) {
	c.table = append(c.table, int16(r.table))
	c.event, c.seq, c.at = append(c.event, r.eventID), append(c.seq, r.seq), append(c.at, r.at)
	c.metric, c.trip, c.guide = append(c.metric, r.metric), append(c.trip, r.trip), append(c.guide, r.guide)
	c.location, c.guest, c.reservation = append(c.location, r.location), append(c.guest, r.guest), append(c.reservation, r.reservation)
	c.ref, c.ca = append(c.ref, r.reference), append(c.ca, r.category)
	c.currency, c.value = append(c.currency, r.currency), append(c.value, r.value)
}

// argsOf are rows as the parameters of insertFacts and insertFactsOnly.
func argsOf(rows []row) []any {
	var c columns
	for i := range rows {
		c.add(&rows[i])
	}
	return c.args()
}

func (c *columns) args() []any {
	return []any{c.table, c.event, c.seq, c.at, c.metric, c.trip, c.guide, c.location, c.guest, c.reservation, c.ref, c.ca, c.currency, c.value}
}
