// Package migrate applies embedded, numbered SQL migrations to one service's PostgreSQL schema.
//
// A service owns one schema (payments, notifications, ...). Its migrations come from several
// sets: the service's own files plus the platform's (the stream runtime's inbox, the outbox).
// Each file runs in its own transaction with search_path set to the service schema, so the
// SQL uses unqualified names and the same platform set serves every service. Applied versions
// are recorded per (set, version) in <schema>.schema_migrations; a session advisory lock keyed
// by the schema makes concurrent starts of the same service safe.
package migrate

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"io/fs"
	"regexp"
	"sort"
	"strconv"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Set is a named group of migration files NNNN_description.sql at the root of FS.
type Set struct {
	// Name identifies the set in schema_migrations, e.g. "inbox", "outbox", "payments".
	Name string
	FS   fs.FS
	// After names the sets whose tables this one builds on (a foreign key, an ALTER of
	// their table). Compose applies them first; no order is written by hand.
	After []string
}

// Migration is one parsed file of a Set.
type Migration struct {
	Set     string
	Version int
	Name    string
	SQL     string
}

var fileName = regexp.MustCompile(`^(\d{4})_([a-z0-9_]+)\.sql$`)

// Load parses and orders the files of s. It refuses files that do not follow the naming
// rule and duplicate versions, so a typo cannot silently skip a migration.
func (s Set) Load() ([]Migration, error) {
	entries, err := fs.ReadDir(s.FS, ".")
	if err != nil {
		return nil, fmt.Errorf("migrate: read set %s: %w", s.Name, err)
	}
	var out []Migration
	seen := map[int]string{}
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		m := fileName.FindStringSubmatch(e.Name())
		if m == nil {
			return nil, fmt.Errorf("migrate: set %s: file %q does not match NNNN_description.sql", s.Name, e.Name())
		}
		v, _ := strconv.Atoi(m[1])
		if prev, dup := seen[v]; dup {
			return nil, fmt.Errorf("migrate: set %s: version %d used by %q and %q", s.Name, v, prev, e.Name())
		}
		seen[v] = e.Name()
		body, err := fs.ReadFile(s.FS, e.Name())
		if err != nil {
			return nil, fmt.Errorf("migrate: set %s: read %s: %w", s.Name, e.Name(), err)
		}
		out = append(out, Migration{Set: s.Name, Version: v, Name: m[2], SQL: string(body)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	return out, nil
}

// Apply creates schema if needed and applies, in order, every migration of sets not yet
// recorded there. It returns the migrations it applied.
func Apply(ctx context.Context, pool *pgxpool.Pool, schema string, sets ...Set) ([]Migration, error) {
	if schema == "" {
		return nil, errors.New("migrate: empty schema name")
	}
	var all []Migration
	for _, s := range sets {
		ms, err := s.Load()
		if err != nil {
			return nil, err
		}
		all = append(all, ms...)
	}

	conn, err := pool.Acquire(ctx)
	if err != nil {
		return nil, fmt.Errorf("migrate: acquire connection: %w", err)
	}
	defer conn.Release()

	key := lockKey(schema)
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", key); err != nil {
		return nil, fmt.Errorf("migrate: lock schema %s: %w", schema, err)
	}
	defer conn.Exec(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", key) //nolint:errcheck // the lock also ends with the session

	ident := pgx.Identifier{schema}.Sanitize()
	if _, err := conn.Exec(ctx, `CREATE SCHEMA IF NOT EXISTS `+ident+`;
CREATE TABLE IF NOT EXISTS `+ident+`.schema_migrations (
	set_name   text        NOT NULL,
	version    integer     NOT NULL,
	name       text        NOT NULL,
	applied_at timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (set_name, version)
)`); err != nil {
		return nil, fmt.Errorf("migrate: prepare schema %s: %w", schema, err)
	}

	done, err := applied(ctx, conn.Conn(), ident)
	if err != nil {
		return nil, err
	}
	var ran []Migration
	for _, m := range all {
		if name, ok := done[setVersion{m.Set, m.Version}]; ok {
			if name != m.Name {
				return ran, fmt.Errorf("migrate: %s: %s version %d was applied as %q but the file is now %q", schema, m.Set, m.Version, name, m.Name)
			}
			continue
		}
		if err := applyOne(ctx, conn.Conn(), schema, ident, m); err != nil {
			return ran, err
		}
		ran = append(ran, m)
	}
	return ran, nil
}

type setVersion struct {
	set     string
	version int
}

func applied(ctx context.Context, conn *pgx.Conn, ident string) (map[setVersion]string, error) {
	rows, err := conn.Query(ctx, `SELECT set_name, version, name FROM `+ident+`.schema_migrations`)
	if err != nil {
		return nil, fmt.Errorf("migrate: read applied migrations: %w", err)
	}
	defer rows.Close()
	done := map[setVersion]string{}
	for rows.Next() {
		var k setVersion
		var name string
		if err := rows.Scan(&k.set, &k.version, &name); err != nil {
			return nil, fmt.Errorf("migrate: scan applied migration: %w", err)
		}
		done[k] = name
	}
	return done, rows.Err()
}

func applyOne(ctx context.Context, conn *pgx.Conn, schema, ident string, m Migration) error {
	err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		// public stays on the path for extension types such as PostGIS geometry.
		if _, err := tx.Exec(ctx, "SET LOCAL search_path TO "+ident+", public"); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, m.SQL); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO `+ident+`.schema_migrations (set_name, version, name) VALUES ($1, $2, $3)`, m.Set, m.Version, m.Name)
		return err
	})
	if err != nil {
		return fmt.Errorf("migrate: %s: apply %s %04d_%s: %w", schema, m.Set, m.Version, m.Name, err)
	}
	return nil
}

func lockKey(schema string) int64 {
	h := fnv.New64a()
	h.Write([]byte("novatrek.migrate." + schema))
	return int64(h.Sum64())
}
