package devstack

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"path/filepath"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/novatrek/support/internal/platform/config"
)

// postgresStartTimeout bounds how long a throwaway cluster may take to accept connections.
const postgresStartTimeout = 60 * time.Second

// ensurePostgres makes sure a PostgreSQL server answers for dbURL and its database exists;
// with recreate, a database of that name is dropped first (the stack's own database, left
// from an earlier data dir). When nothing listens on a loopback address and allowStart is
// set, it starts a throwaway cluster in <dataDir>/postgres and returns it so the caller stops
// it on exit; otherwise it returns nil and leaves the server alone.
func ensurePostgres(ctx context.Context, dbURL, dataDir string, allowStart, recreate bool, logger *slog.Logger) (*child, error) {
	cfg, err := pgx.ParseConfig(dbURL)
	if err != nil {
		return nil, fmt.Errorf("postgres: parse DATABASE_URL: %w", err)
	}
	adminURL, err := maintenanceURL(dbURL)
	if err != nil {
		return nil, err
	}

	var started *child
	admin, err := connect(ctx, adminURL)
	if err != nil && errors.Is(err, syscall.ECONNREFUSED) && allowStart && isLoopback(cfg.Host) {
		logger.InfoContext(ctx, "no PostgreSQL server answers; starting a throwaway cluster", "host", cfg.Host, "port", cfg.Port)
		started, err = startPostgres(ctx, filepath.Join(dataDir, "postgres"), cfg.Host, cfg.Port, cfg.User, logger)
		if err != nil {
			return nil, err
		}
		admin, err = waitPostgres(ctx, adminURL, started)
	}
	if err != nil {
		if started != nil {
			_ = started.stop(context.WithoutCancel(ctx))
		}
		return nil, fmt.Errorf("postgres: connect to %s: %w", config.Redact(adminURL), err)
	}
	defer admin.Close(context.WithoutCancel(ctx))

	if recreate {
		dropped, err := dropDatabase(ctx, admin, cfg.Database)
		if err != nil {
			if started != nil {
				_ = started.stop(context.WithoutCancel(ctx))
			}
			return nil, err
		}
		if dropped {
			logger.WarnContext(ctx, "data dir new or reset: dropped the database it had", "database", cfg.Database)
		}
	}
	created, err := ensureDatabase(ctx, admin, cfg.Database)
	if err != nil {
		if started != nil {
			_ = started.stop(context.WithoutCancel(ctx))
		}
		return nil, err
	}
	if created {
		logger.InfoContext(ctx, "database created", "database", cfg.Database)
	}
	return started, nil
}

// maintenanceURL is dbURL pointed at the "postgres" database, from which the target
// database can be created.
func maintenanceURL(dbURL string) (string, error) {
	u, err := url.Parse(dbURL)
	if err != nil {
		return "", fmt.Errorf("postgres: parse DATABASE_URL: %w", err)
	}
	u.Path = "/postgres"
	return u.String(), nil
}

func connect(ctx context.Context, url string) (*pgx.Conn, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	return pgx.Connect(ctx, url)
}

// waitPostgres polls until the freshly started server accepts connections, it exits, or
// postgresStartTimeout passes.
func waitPostgres(ctx context.Context, url string, c *child) (*pgx.Conn, error) {
	return waitReady(ctx, c, postgresStartTimeout, 100*time.Millisecond, func(ctx context.Context) (*pgx.Conn, error) {
		return connect(ctx, url)
	})
}

// ensureDatabase creates the database if it does not exist and reports whether it did.
func ensureDatabase(ctx context.Context, admin *pgx.Conn, name string) (bool, error) {
	var exists bool
	if err := admin.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
		return false, fmt.Errorf("postgres: look up database %s: %w", name, err)
	}
	if exists {
		return false, nil
	}
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) && pgErr.Code == "42P04" { // duplicate_database: created meanwhile
			return false, nil
		}
		return false, fmt.Errorf("postgres: create database %s: %w", name, err)
	}
	return true, nil
}

// dropDatabase drops the database if it exists, closing its connections (a stack killed
// without Close may have left some), and reports whether it did.
func dropDatabase(ctx context.Context, admin *pgx.Conn, name string) (bool, error) {
	var exists bool
	if err := admin.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
		return false, fmt.Errorf("postgres: look up database %s: %w", name, err)
	}
	if !exists {
		return false, nil
	}
	if _, err := admin.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
		return false, fmt.Errorf("postgres: drop database %s: %w", name, err)
	}
	return true, nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
