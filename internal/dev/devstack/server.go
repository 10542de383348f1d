package devstack

import (
	"context"
	"log/slog"
	"path/filepath"
	"syscall"
)

// Server is a PostgreSQL or Valkey server process started on its own files, outside any
// stack: the soak (internal/dev/soak) runs private ones it can stop and start again as
// faults, without touching the machine's shared servers.
type Server struct{ c *child }

// StartPostgres starts a PostgreSQL server on 127.0.0.1:port with its cluster in
// root/data (initdb first when there is none; trust authentication for "postgres"). A
// later call on the same root restarts the same cluster. It returns once the process is
// started; the caller waits until it answers.
func StartPostgres(ctx context.Context, root string, port uint16, logger *slog.Logger) (*Server, error) {
	c, err := startPostgres(ctx, root, "127.0.0.1", port, "postgres", logger)
	if err != nil {
		return nil, err
	}
	return &Server{c}, nil
}

// StartValkey starts valkey-server (or redis-server) on 127.0.0.1:port with its files in
// dir. It returns once the process is started; the caller waits until it answers PING.
func StartValkey(dir, port string) (*Server, error) {
	bin, err := findValkeyServer()
	if err != nil {
		return nil, err
	}
	c, err := startValkey(bin, dir, "127.0.0.1", port)
	if err != nil {
		return nil, err
	}
	return &Server{c}, nil
}

// Stop stops the server gracefully (PostgreSQL's fast shutdown, Valkey's SIGTERM) and
// waits, killing it when ctx ends first.
func (s *Server) Stop(ctx context.Context) error { return s.c.stop(ctx) }

// Exited reports whether the process has ended.
func (s *Server) Exited() bool { return s.c.exited() }

// LogTail is the end of the server's log, for error messages.
func (s *Server) LogTail() string { return s.c.logTail() }

// Log is the path of the server's log file.
func (s *Server) Log() string { return filepath.Clean(s.c.logPath) }

// Kill sends SIGKILL, as a crash would, and waits for the process to end.
func (s *Server) Kill() {
	_ = s.c.cmd.Process.Signal(syscall.SIGKILL)
	<-s.c.done
}
