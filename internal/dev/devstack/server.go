package devstack

import (
	"context"
	"fmt"
	"log/slog"
	"net"

	"github.com/valkey-io/valkey-go"
)

// Server is a PostgreSQL or Valkey server process started on its own files, outside any
// stack: the soak (internal/dev/soak) runs private ones it can stop and start again as
// faults, without touching the machine's shared servers.
type Server struct{ c *child }

// StartPostgres starts a PostgreSQL server on 127.0.0.1:port with its cluster in
// root/data (initdb first when there is none; trust authentication for "postgres"). A
// later call on the same root restarts the same cluster. It returns once the server
// accepts connections, through the stack's own readiness probe (waitPostgres): one probe
// for the dev stack's throwaway cluster and the soak's private one.
func StartPostgres(ctx context.Context, root string, port uint16, logger *slog.Logger) (*Server, error) {
	c, err := startPostgres(ctx, root, "127.0.0.1", port, "postgres", logger)
	if err != nil {
		return nil, err
	}
	conn, err := waitPostgres(ctx, fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", port), c)
	if err != nil {
		_ = c.stop(context.WithoutCancel(ctx))
		return nil, err
	}
	_ = conn.Close(ctx)
	return &Server{c}, nil
}

// StartValkey starts valkey-server (or redis-server) on 127.0.0.1:port with its files in
// dir. It returns once the server answers PING (waitValkey, the dev stack's probe).
func StartValkey(ctx context.Context, dir, port string) (*Server, error) {
	bin, err := findValkeyServer()
	if err != nil {
		return nil, err
	}
	c, err := startValkey(bin, dir, "127.0.0.1", port)
	if err != nil {
		return nil, err
	}
	client, err := waitValkey(ctx, valkey.ClientOption{InitAddress: []string{net.JoinHostPort("127.0.0.1", port)}}, c)
	if err != nil {
		_ = c.stop(context.WithoutCancel(ctx))
		return nil, err
	}
	client.Close()
	return &Server{c}, nil
}

// Stop stops the server gracefully (PostgreSQL's fast shutdown, Valkey's SIGTERM) and
// waits, killing it when ctx ends first.
func (s *Server) Stop(ctx context.Context) error { return s.c.stop(ctx) }

// Exited reports whether the process has ended.
func (s *Server) Exited() bool { return s.c.exited() }

// PostgresBin is the directory of the PostgreSQL server programs a throwaway cluster runs
// (initdb, postgres, and beside them pg_basebackup and the other tools of that version), or
// why there is none: tests that need their own cluster skip with it.
func PostgresBin() (string, error) { return findPostgresBin() }
