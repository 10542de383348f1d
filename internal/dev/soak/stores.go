package soak

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/valkey-io/valkey-go"

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
		return err
	}
	p.srv = srv
	return waitUntil(ctx, 60*time.Second, "private PostgreSQL on port "+strconv.Itoa(int(p.port)), srv, func(ctx context.Context) error {
		c, err := pgx.Connect(ctx, p.url("postgres"))
		if err != nil {
			return err
		}
		return c.Close(ctx)
	})
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
	srv, err := devstack.StartValkey(v.dir, strconv.Itoa(v.port))
	if err != nil {
		return err
	}
	v.srv = srv
	return waitUntil(ctx, 30*time.Second, "private Valkey on port "+strconv.Itoa(v.port), srv, func(ctx context.Context) error {
		c, err := valkey.NewClient(valkey.ClientOption{InitAddress: []string{fmt.Sprintf("127.0.0.1:%d", v.port)}, DisableCache: true})
		if err != nil {
			return err
		}
		defer c.Close()
		return c.Do(ctx, c.B().Ping().Build()).Error()
	})
}

func (v *privateValkey) stop(ctx context.Context) error { return v.srv.Stop(ctx) }

// waitUntil polls ready until it succeeds, the server exits, or timeout passes.
func waitUntil(ctx context.Context, timeout time.Duration, what string, srv *devstack.Server, ready func(context.Context) error) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	for {
		err := ready(ctx)
		if err == nil {
			return nil
		}
		if srv.Exited() {
			return fmt.Errorf("soak: %s exited: %s", what, srv.LogTail())
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("soak: %s not answering within %v: %w (log %s)", what, timeout, err, filepath.Clean(srv.Log()))
		case <-time.After(100 * time.Millisecond):
		}
	}
}
