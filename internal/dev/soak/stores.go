package soak

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"

	"github.com/jackc/pgx/v5"

	"github.com/novatrek/support/internal/dev/devstack"
)

// privatePostgres is the soak's own PostgreSQL cluster, on a free port in its directory: it
// is stopped and started as a fault, which the machine's shared server must never be.
type privatePostgres struct {
	root string
	port uint16
	log  *slog.Logger
	srv  *devstack.Server
}

// url is the soak database on the private server.
func (p *privatePostgres) url(db string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", p.port, db)
}

// start starts the server (initdb the first time) and waits until it accepts connections.
func (p *privatePostgres) start(ctx context.Context) error {
	srv, err := devstack.StartPostgres(ctx, p.root, p.port, p.log)
	if err != nil {
		return fmt.Errorf("soak: private PostgreSQL on port %d: %w", p.port, err)
	}
	p.srv = srv
	return nil
}

// maxConnections is the private server's max_connections: every instance keeps pools,
// relay sessions and listeners (about ten connections), twenty instances and the stack
// need more than PostgreSQL's default 100.
const maxConnections = 600

// prepare creates the database the stack and services share and raises max_connections,
// restarting the server for it to apply.
func (p *privatePostgres) prepare(ctx context.Context, name string) error {
	c, err := pgx.Connect(ctx, p.url("postgres"))
	if err != nil {
		return err
	}
	defer c.Close(ctx)
	if _, err = c.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		return err
	}
	if _, err = c.Exec(ctx, fmt.Sprintf("ALTER SYSTEM SET max_connections = %d", maxConnections)); err != nil {
		return err
	}
	if err := p.stop(ctx); err != nil {
		return err
	}
	return p.start(ctx)
}

// stop is pg_ctl stop -m fast: the server ends every session and shuts down.
func (p *privatePostgres) stop(ctx context.Context) error { return p.srv.Stop(ctx) }

// privateValkey is the soak's own Valkey server.
type privateValkey struct {
	dir  string
	port int
	srv  *devstack.Server
}

func (v *privateValkey) url() string { return fmt.Sprintf("redis://127.0.0.1:%d/0", v.port) }

func (v *privateValkey) start(ctx context.Context) error {
	srv, err := devstack.StartValkey(ctx, v.dir, strconv.Itoa(v.port))
	if err != nil {
		return fmt.Errorf("soak: private Valkey on port %d: %w", v.port, err)
	}
	v.srv = srv
	return nil
}

func (v *privateValkey) stop(ctx context.Context) error { return v.srv.Stop(ctx) }
