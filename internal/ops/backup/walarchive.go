package backup

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// ArchiveOptions say whose WAL to archive and where.
type ArchiveOptions struct {
	DatabaseURL string
	Service     string
	// Dir is the backup directory; the WAL goes into its <service>-wal directory.
	Dir    string
	BinDir string
	// Synchronous flushes each piece of WAL to disk as it arrives and tells the server at
	// once (pg_receivewal --synchronous). With the server's synchronous_standby_names naming
	// pg_receivewal, a commit then waits until its WAL is in the archive: no committed
	// payment can be missing from it, at the cost of the archive's fsync in every commit,
	// and every commit blocks while the archiver is down (supervise it, or name a replica
	// beside it: ANY 1 (pg_receivewal, <replica>)).
	Synchronous bool
	// Compress has pg_receivewal gzip each segment (--compress=gzip): WAL kept 7 years
	// takes a fraction of its 16 MiB a segment. Restore reads either kind.
	Compress bool
	// Log receives pg_receivewal's messages.
	Log io.Writer
}

// WALDir is where service's archived WAL is kept in the backup directory dir.
func WALDir(dir, service string) string { return filepath.Join(dir, service+"-wal") }

// SlotName is the replication slot of service's WAL archiver: novatrek_svc_payments.
func SlotName(service string) string {
	return "novatrek_" + strings.ReplaceAll(service, "-", "_")
}

// Archive streams the server's WAL into WALDir with pg_receivewal until ctx ends. It runs
// through a physical replication slot, created on the first run: while the archiver is
// down (a restart, a deploy) the server keeps the WAL it has not received, so no segment
// is lost; the slot pins that WAL on the server's disk, so an archiver left down for good
// must have its slot dropped (pg_drop_replication_slot), or the server's
// max_slot_wal_keep_size set. pg_receivewal retries a lost connection itself.
func Archive(ctx context.Context, o ArchiveOptions) error {
	if err := Physical(o.Service); err != nil {
		return err
	}
	major, err := replicationServer(ctx, o.DatabaseURL)
	if err != nil {
		return err
	}
	receive, err := tool(ctx, "pg_receivewal", o.BinDir, major)
	if err != nil {
		return err
	}
	dir := WALDir(o.Dir, o.Service)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("wal-archive: %w", err)
	}
	slot := "--slot=" + SlotName(o.Service)
	if err := run(ctx, receive, o.DatabaseURL, "--create-slot", "--if-not-exists", slot, "--no-password"); err != nil {
		return err
	}
	args := []string{"--directory=" + dir, slot, "--no-password"}
	if o.Synchronous {
		args = append(args, "--synchronous")
	}
	if o.Compress {
		args = append(args, "--compress=gzip")
	}
	cmd, err := dbCommand(ctx, receive, o.DatabaseURL, args...)
	if err != nil {
		return err
	}
	cmd.Stdout, cmd.Stderr = o.Log, o.Log
	// pg_receivewal finishes the piece of WAL it holds on SIGINT; only one stuck for
	// longer is killed.
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 30 * time.Second
	err = cmd.Run()
	switch {
	case ctx.Err() != nil && (err == nil || errors.Is(err, ctx.Err())):
		return nil // it exited on our SIGINT (exec reports that as the context's error)
	case ctx.Err() != nil:
		return fmt.Errorf("wal-archive: pg_receivewal did not stop cleanly: %w", err)
	case err != nil:
		return fmt.Errorf("wal-archive: pg_receivewal stopped: %w", err)
	}
	return fmt.Errorf("wal-archive: pg_receivewal stopped by itself")
}
