package analytics

import (
	"context"
	"database/sql"
	"fmt"
	"math/big"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/godror/godror"
	"github.com/jackc/pgx/v5"
)

// oracleFacts is the factStore in Oracle Database, the spec's engine for svc-analytics
// (schema ANALYTICS), through godror (cgo; the Oracle client library is loaded when it
// connects, so the service builds and runs without it unless ANALYTICS_STORE=oracle).
// The DDL is migrations-oracle/: interval-partitioned fact tables and REFRESH FAST ON
// COMMIT materialized views for the rollups.
//
// The runtime's inbox and offsets stay in PostgreSQL, so a batch spans two databases
// without a distributed transaction. Apply commits the Oracle transaction before the
// runtime commits the PostgreSQL one; a crash in between replays the batch, and the
// MERGE, keyed like the primary key, inserts nothing twice, while the views only ever
// see inserted rows: the replay is harmless. A batch that fails in Oracle fails the
// PostgreSQL batch too (nothing is marked consumed).
type oracleFacts struct {
	db *sql.DB
}

// Close closes the Oracle connection pool (the runner calls it through app.Close).
func (s *oracleFacts) Close() error { return s.db.Close() }

// openOracle connects with p (connectOracle) and applies the Oracle migrations.
func openOracle(ctx context.Context, p godror.ConnectionParams) (*oracleFacts, error) {
	s, err := connectOracle(ctx, p)
	if err != nil {
		return nil, err
	}
	if err := migrateOracle(ctx, s.db); err != nil {
		s.db.Close()
		return nil, err
	}
	return s, nil
}

// parseOracleDSN sets c.oracle to OracleDSN parsed (Validate calls it when Store is oracle);
// the error does not repeat the DSN, which holds a password.
func (c *Config) parseOracleDSN() error {
	p, err := godror.ParseDSN(c.OracleDSN)
	if err != nil {
		return fmt.Errorf("analytics: ORACLE_DSN is not a connection string godror reads (user/password@host:port/service)")
	}
	c.oracle = p
	return nil
}

// connectOracle connects with p, ORACLE_DSN as Config.Validate parsed it, adding the session
// settings the statements rely on (decimal point, UTC, the ANALYTICS schema).
func connectOracle(ctx context.Context, p godror.ConnectionParams) (*oracleFacts, error) {
	p.AlterSession = slices.Clone(p.AlterSession) // the settings below are this pool's, not the config's
	p.SetSessionParamOnInit("NLS_NUMERIC_CHARACTERS", ".,")
	p.SetSessionParamOnInit("TIME_ZONE", "UTC")
	p.SetSessionParamOnInit("CURRENT_SCHEMA", oracleSchema)
	db := sql.OpenDB(godror.NewConnector(p))
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("analytics: connect to Oracle (ORACLE_DSN): %w", err)
	}
	return &oracleFacts{db: db}, nil
}

// oracleSchema is the spec's schema of svc-analytics.
const oracleSchema = "ANALYTICS"

// oracleTime is how times are bound: as text in UTC (godror binds a time.Time as a DATE in
// arrays, losing the fraction, and a TIMESTAMP column has no zone to convert with).
const oracleTime = "2006-01-02 15:04:05.000000"

// oracleTimeSQL reads a bound oracleTime.
const oracleTimeSQL = `TO_TIMESTAMP(%s, 'YYYY-MM-DD HH24:MI:SS.FF6')`

// mergeFacts inserts the rows of one table that are not stored yet (%s is the table): the
// ON clause is the primary key, so a stored (event, seq) is left alone.
var mergeFacts = `MERGE INTO %s f
USING (SELECT :1 AS event_id, :2 AS seq, ` + fmt.Sprintf(oracleTimeSQL, ":3") + ` AS occurred_at, :4 AS metric,
		:5 AS trip_id, :6 AS guide_id, :7 AS location_id, :8 AS guest_id, :9 AS reservation_id,
		:10 AS reference_id, :11 AS category, :12 AS currency, TO_NUMBER(:13) AS value FROM dual) s
ON (f.occurred_at = s.occurred_at AND f.event_id = s.event_id AND f.seq = s.seq)
WHEN NOT MATCHED THEN INSERT (event_id, seq, occurred_at, metric, trip_id, guide_id, location_id, guest_id,
		reservation_id, reference_id, category, currency, value)
	VALUES (s.event_id, s.seq, s.occurred_at, s.metric, s.trip_id, s.guide_id, s.location_id, s.guest_id,
		s.reservation_id, s.reference_id, s.category, s.currency, s.value)`

// Apply merges the batch's rows into their tables (array-bound, one statement per table)
// in one Oracle transaction and commits it; the commit refreshes the views with exactly
// the inserted rows. Repeats of an (event, seq) inside the batch are dropped first (a MERGE
// would insert both). Two batches inserting the same new row at once: the second fails on
// the primary key when the first commits and is merged again, then finds it stored.
func (s *oracleFacts) Apply(ctx context.Context, _ pgx.Tx, rows []row) error {
	rows = distinctRows(rows)
	if len(rows) == 0 {
		return nil
	}
	var err error
	for range 3 {
		if err = s.merge(ctx, rows); err == nil || !isOracleCode(err, 1) {
			break
		}
	}
	if err != nil {
		return fmt.Errorf("analytics: write facts to Oracle: %w", err)
	}
	return nil
}

func (s *oracleFacts) merge(ctx context.Context, rows []row) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	var byTable [tableCount]oracleColumns
	for i := range rows {
		byTable[rows[i].table].add(&rows[i])
	}
	for t := range tableCount {
		if len(byTable[t].event) == 0 {
			continue
		}
		if _, err := tx.ExecContext(ctx, fmt.Sprintf(mergeFacts, t), byTable[t].args()...); err != nil {
			return fmt.Errorf("%s: %w", t, err)
		}
	}
	return tx.Commit()
}

// oracleColumns are rows of one table as parallel slices, godror's array binding.
type oracleColumns struct {
	event                                                             []string
	seq                                                               []int64
	at, metric, trip, guide, location, guest, reservation, ref, categ []string
	currency, value                                                   []string
}

func (c *oracleColumns) add(r *row) {
	c.event, c.seq = append(c.event, r.eventID), append(c.seq, int64(r.seq))
	c.at, c.metric = append(c.at, r.at.UTC().Format(oracleTime)), append(c.metric, r.metric)
	c.trip, c.guide, c.location = append(c.trip, r.trip), append(c.guide, r.guide), append(c.location, r.location)
	c.guest, c.reservation = append(c.guest, r.guest), append(c.reservation, r.reservation)
	c.ref, c.categ = append(c.ref, r.reference), append(c.categ, r.category)
	c.currency, c.value = append(c.currency, r.currency), append(c.value, plainDecimal(r.value))
}

// args are the slices in mergeFacts' bind order ("" binds NULL in Oracle, as nullif does
// in the PostgreSQL writer).
func (c *oracleColumns) args() []any {
	return []any{c.event, c.seq, c.at, c.metric, c.trip, c.guide, c.location, c.guest, c.reservation, c.ref, c.categ, c.currency, c.value}
}

// plainDecimal is v without an exponent ("1e+06" from a float's formatting becomes
// "1000000"), which TO_NUMBER reads whatever the session's format; v is already a valid
// number (the mappings make it).
func plainDecimal(v string) string {
	if !strings.ContainsAny(v, "eE") {
		return v
	}
	r, ok := new(big.Rat).SetString(v)
	if !ok {
		return v
	}
	if r.IsInt() {
		return r.Num().String()
	}
	return strings.TrimRight(r.FloatString(30), "0")
}

// distinctRows is rows without repeats of an (event, seq), first kept.
func distinctRows(rows []row) []row {
	type key struct {
		event string
		seq   int16
	}
	seen := make(map[key]bool, len(rows))
	out := make([]row, 0, len(rows))
	for _, r := range rows {
		if k := (key{r.eventID, r.seq}); !seen[k] {
			seen[k] = true
			out = append(out, r)
		}
	}
	return out
}

// isOracleCode tells whether err is the Oracle error ORA-<code>.
func isOracleCode(err error, code int) bool {
	oe, ok := godror.AsOraErr(err)
	return ok && oe.Code() == code
}

// Maintain creates the months' partitions ahead (locking a partition FOR a date creates
// an interval partition) and drops, with ALTER TABLE ... DROP PARTITION FOR (...) UPDATE
// INDEXES, every month before oldest; the views no longer match the facts after a drop,
// so a drop is followed by a complete refresh (once a month).
func (s *oracleFacts) Maintain(ctx context.Context, months []time.Time, oldest time.Time) ([]string, error) {
	for _, m := range months {
		for t := range tableCount {
			// LOCK TABLE is a statement of its own transaction; it ends at Commit.
			tx, err := s.db.BeginTx(ctx, nil)
			if err != nil {
				return nil, fmt.Errorf("analytics: oracle partitions: %w", err)
			}
			_, err = tx.ExecContext(ctx, fmt.Sprintf(`LOCK TABLE %s PARTITION FOR (TIMESTAMP '%s') IN ROW SHARE MODE`,
				t, monthStart(m).Format(time.DateTime)))
			if cerr := tx.Commit(); err == nil {
				err = cerr
			}
			if err != nil {
				return nil, fmt.Errorf("analytics: create the %s partition of %s: %w", monthStart(m).Format("2006-01"), t, err)
			}
		}
	}
	parts, err := s.partitions(ctx)
	if err != nil {
		return nil, err
	}
	var dropped []string
	for _, p := range parts {
		if p.to.After(oldest) || !p.to.After(oracleFloor) {
			continue
		}
		if _, err := s.db.ExecContext(ctx, fmt.Sprintf(`ALTER TABLE %s DROP PARTITION FOR (TIMESTAMP '%s') UPDATE INDEXES`,
			p.table, p.from.Format(time.DateTime))); err != nil {
			return dropped, fmt.Errorf("analytics: drop partition %s of %s: %w", p.name, p.table, err)
		}
		dropped = append(dropped, p.table+"."+p.name)
	}
	if len(dropped) > 0 {
		if err := s.Refresh(ctx); err != nil {
			return dropped, err
		}
	}
	return dropped, nil
}

// oracleFloor is the upper bound of the fact tables' range partition (migrations-oracle).
var oracleFloor = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// oracleHighValue finds the timestamp in a partition's HIGH_VALUE ("TIMESTAMP' 2026-02-01 00:00:00'").
var oracleHighValue = regexp.MustCompile(`\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}`)

// oracleTableList is tableNames as Oracle's dictionary spells them, quoted for an IN list.
var oracleTableList = "'" + strings.ToUpper(strings.Join(tableNames[:], "', '")) + "'"

// partitions lists the fact tables' partitions; a month's bounds come from its HIGH_VALUE
// (a LONG, read as text), interval partitions being one month wide.
func (s *oracleFacts) partitions(ctx context.Context) ([]partition, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT table_name, partition_name, high_value FROM all_tab_partitions
		WHERE table_owner = SYS_CONTEXT('USERENV', 'CURRENT_SCHEMA') AND table_name IN (`+oracleTableList+`)
		ORDER BY table_name, partition_position`)
	if err != nil {
		return nil, fmt.Errorf("analytics: list oracle partitions: %w", err)
	}
	defer rows.Close()
	var out []partition
	for rows.Next() {
		var p partition
		var high string
		if err := rows.Scan(&p.table, &p.name, &high); err != nil {
			return nil, fmt.Errorf("analytics: list oracle partitions: %w", err)
		}
		to, err := time.Parse(time.DateTime, oracleHighValue.FindString(high))
		if err != nil {
			return nil, fmt.Errorf("analytics: partition %s of %s: high value %q: %w", p.name, p.table, high, err)
		}
		p.table, p.to, p.from = strings.ToLower(p.table), to, to.AddDate(0, -1, 0)
		out = append(out, p)
	}
	return out, rows.Err()
}

// oracleViews are the rollup views, "<TABLE>_DAY" and "<TABLE>_MONTH" for each fact table.
func oracleViews() []string {
	var out []string
	for t := range tableCount {
		out = append(out, oracleView(t, "day"), oracleView(t, "month"))
	}
	return out
}

// oracleView is t's rollup view of grain ("day" or "month", as window.bucket).
func oracleView(t table, grain string) string {
	return strings.ToUpper(t.String() + "_" + grain)
}

// Refresh recomputes every view from the facts (a complete refresh, atomic).
func (s *oracleFacts) Refresh(ctx context.Context) error {
	if _, err := s.db.ExecContext(ctx, `BEGIN DBMS_MVIEW.REFRESH(list => :1, method => 'C', atomic_refresh => TRUE); END;`,
		strings.Join(oracleViews(), ",")); err != nil {
		return fmt.Errorf("analytics: refresh the oracle rollups: %w", err)
	}
	return nil
}

// CompleteRebuild has nothing to do: Oracle's rollups are views refreshed fast on every
// commit of the replay's MERGEs, so they are current when the replay reaches its end (the
// rebuild's speed on Oracle is not measured; see the README).
func (s *oracleFacts) CompleteRebuild(context.Context, pgx.Tx) error { return nil }

// empty truncates the fact tables and refreshes the views: a rebuild's start, and the
// contract tests' clean slate.
func (s *oracleFacts) empty(ctx context.Context) error {
	for t := range tableCount {
		if _, err := s.db.ExecContext(ctx, fmt.Sprintf(`TRUNCATE TABLE %s`, t)); err != nil {
			return fmt.Errorf("analytics: truncate %s in Oracle: %w", t, err)
		}
	}
	return s.Refresh(ctx)
}

// oracleRowText is one fact as text for its checksum: every column, fixed formats.
const oracleRowText = `event_id || '|' || seq || '|' || TO_CHAR(occurred_at, 'YYYY-MM-DD"T"HH24:MI:SS.FF6') || '|' ||
	metric || '|' || trip_id || '|' || guide_id || '|' || location_id || '|' || guest_id || '|' || reservation_id || '|' ||
	reference_id || '|' || category || '|' || currency || '|' || TO_CHAR(value, 'TM9')`

// oracleRollupText is one view row as text for the rollups' checksum.
const oracleRollupText = `'%s|' || TO_CHAR(bucket, 'YYYY-MM-DD') || '|' || metric || '|' || currency || '|' || trip_id || '|' ||
	guide_id || '|' || location_id || '|' || n || '|' || TO_CHAR(total, 'TM9')`

// Checksums fingerprints the fact tables and the views as the PostgreSQL store does its
// tables: the row count and the sum of the first 60 bits of each row's MD5 (STANDARD_HASH).
// The figures compare runs on Oracle, not with PostgreSQL's (the row texts differ).
func (s *oracleFacts) Checksums(ctx context.Context) ([]Checksum, error) {
	sum := func(text, from string) string {
		return fmt.Sprintf(`SELECT COUNT(*), TO_CHAR(NVL(SUM(TO_NUMBER(SUBSTR(RAWTOHEX(STANDARD_HASH(%s, 'MD5')), 1, 15), 'XXXXXXXXXXXXXXX')), 0)) FROM %s`, text, from)
	}
	var out []Checksum
	for t := range tableCount {
		c := Checksum{Table: t.String()}
		if err := s.db.QueryRowContext(ctx, sum(oracleRowText, t.String())).Scan(&c.Rows, &c.Sum); err != nil {
			return nil, fmt.Errorf("analytics: checksum %s in Oracle: %w", t, err)
		}
		out = append(out, c)
	}
	var views []string
	for _, v := range oracleViews() {
		views = append(views, fmt.Sprintf(`SELECT %s AS row_text FROM %s`, fmt.Sprintf(oracleRollupText, v), v))
	}
	c := Checksum{Table: "rollups"}
	if err := s.db.QueryRowContext(ctx, sum("row_text", "("+strings.Join(views, " UNION ALL ")+")")).Scan(&c.Rows, &c.Sum); err != nil {
		return nil, fmt.Errorf("analytics: checksum the rollups in Oracle: %w", err)
	}
	return append(out, c), nil
}
