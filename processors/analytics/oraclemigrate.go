package analytics

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"slices"
	"strings"
)

// oracleMigrationFiles are the Oracle store's DDL, applied in name order, each once.
//
//go:embed migrations-oracle/*.sql
var oracleMigrationFiles embed.FS

// migrateOracle applies the Oracle migrations not applied yet, recording each in
// SCHEMA_MIGRATIONS. A file is statements separated by lines holding only "/" (SQL*Plus'
// convention, since PL/SQL blocks contain semicolons). Oracle commits every DDL statement
// by itself, so a migration that fails halfway is not rolled back: the error names the
// file and statement, and the file is not recorded. Two instances starting at once on an
// empty schema may race; the loser stops with ORA-00955 and starts cleanly next time.
func migrateOracle(ctx context.Context, db *sql.DB) error {
	var n int
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM all_tables
		WHERE owner = SYS_CONTEXT('USERENV', 'CURRENT_SCHEMA') AND table_name = 'SCHEMA_MIGRATIONS'`).Scan(&n); err != nil {
		return fmt.Errorf("analytics: oracle migrations: %w", err)
	}
	if n == 0 {
		if _, err := db.ExecContext(ctx, `CREATE TABLE schema_migrations (
			version VARCHAR2(200) PRIMARY KEY, applied_at TIMESTAMP DEFAULT SYSTIMESTAMP NOT NULL)`); err != nil {
			return fmt.Errorf("analytics: oracle migrations: %w", err)
		}
	}
	names, err := fs.Glob(oracleMigrationFiles, "migrations-oracle/*.sql")
	if err != nil {
		return err
	}
	slices.Sort(names)
	for _, name := range names {
		version := strings.TrimPrefix(name, "migrations-oracle/")
		var done int
		if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations WHERE version = :1`, version).Scan(&done); err != nil {
			return fmt.Errorf("analytics: oracle migrations: %w", err)
		}
		if done > 0 {
			continue
		}
		text, err := oracleMigrationFiles.ReadFile(name)
		if err != nil {
			return err
		}
		for i, stmt := range oracleStatements(string(text)) {
			if _, err := db.ExecContext(ctx, stmt); err != nil {
				return fmt.Errorf("analytics: oracle migration %s, statement %d: %w", version, i+1, err)
			}
		}
		if _, err := db.ExecContext(ctx, `INSERT INTO schema_migrations (version) VALUES (:1)`, version); err != nil {
			return fmt.Errorf("analytics: oracle migration %s: record: %w", version, err)
		}
	}
	return nil
}

// oracleStatements splits a migration at its "/" lines and drops the comment lines, which
// OCI does not need and which would otherwise precede a PL/SQL block's BEGIN.
func oracleStatements(text string) []string {
	var out []string
	var cur []string
	flush := func() {
		if s := strings.TrimSpace(strings.Join(cur, "\n")); s != "" {
			out = append(out, s)
		}
		cur = cur[:0]
	}
	for line := range strings.Lines(text) {
		line = strings.TrimRight(line, "\r\n")
		switch {
		case strings.TrimSpace(line) == "/":
			flush()
		case strings.HasPrefix(strings.TrimSpace(line), "--"):
		default:
			cur = append(cur, line)
		}
	}
	flush()
	return out
}
