package main

import (
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/novatrek/support/internal/ops/backup"
	"github.com/novatrek/support/internal/platform/service"
)

// baseBackups is `backup --base`: a verified base backup of each named service's cluster
// (default every service whose policy is physical: svc-payments).
func baseBackups(cmd *cobra.Command, defs []service.Definition, f *backupFlags, names []string) error {
	if len(names) == 0 {
		names = backup.PhysicalServices()
	}
	for _, name := range names {
		if _, err := service.LookupDefinition(defs, name); err != nil {
			return err
		}
		res, err := backup.BaseBackup(cmd.Context(), backup.BaseOptions{DatabaseURL: f.cfg.DatabaseURL, Service: name, Dir: f.dir, BinDir: f.binDir})
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		fmt.Fprintf(cmd.OutOrStdout(), "%s: base backup verified in %s (WAL from %s); keeping %d days (%s), pruned %d base backups and %d WAL segments\n",
			name, res.Base.Path, res.StartSegment, res.Retention.Days, res.Retention.Source, len(res.Pruned), len(res.PrunedWAL))
	}
	return nil
}

// restoreToTime is `restore --to-time T --pgdata D [--timeline TL]`.
func restoreToTime(cmd *cobra.Command, f *backupFlags, name, toTime, pgdata, timeline string) error {
	if toTime == "" {
		return fmt.Errorf("restore --pgdata needs --to-time: the RFC 3339 time to recover the cluster to (2026-12-08T02:15:00Z)")
	}
	if pgdata == "" {
		return fmt.Errorf("restore --to-time needs --pgdata: the new, empty data directory to build")
	}
	target, err := time.Parse(time.RFC3339Nano, toTime)
	if err != nil {
		return fmt.Errorf("restore: --to-time %q is not an RFC 3339 time (2026-12-08T02:15:00Z)", toTime)
	}
	res, err := backup.RestoreToTime(cmd.Context(), backup.PITROptions{Service: name, Dir: f.dir, DataDir: pgdata, Target: target,
		Timeline: timeline, BinDir: f.binDir})
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	out := cmd.OutOrStdout()
	fmt.Fprintf(out, "%s: %s built from base backup %s and WAL %s..%s", name, pgdata, res.Base.Path, res.FirstWAL, res.LastWAL)
	if res.Partial {
		fmt.Fprintf(out, " (%s still being written by the archiver: copied into pg_wal)", res.LastWAL)
	}
	fmt.Fprintf(out, "; it recovers to %s (recovery_target_timeline %s) and promotes\n", target.UTC().Format(time.RFC3339Nano), res.Timeline)
	if res.Gap != "" {
		fmt.Fprintf(out, "warning: WAL segment %s is missing from the archive: recovery cannot replay past %s, so a later --to-time fails at start\n", res.Gap, res.LastWAL)
	}
	if os.Geteuid() == 0 {
		fmt.Fprintf(out, "it belongs to root, which PostgreSQL refuses to run as: chown -R postgres: %s, then ", pgdata)
	}
	fmt.Fprintf(out, "start it as the server's OS user: pg_ctl -D %s start (that user must read %s)\n", pgdata, res.Archive)
	return nil
}

func newWALArchiveCmd(services func() []service.Definition) *cobra.Command {
	var f backupFlags
	var synchronous, compress bool
	cmd := &cobra.Command{
		Use:   "wal-archive <service>",
		Short: "stream the service's cluster's WAL into the backup directory with pg_receivewal (runs until stopped)",
		Long: `wal-archive archives the WAL of the service's own PostgreSQL cluster continuously: it runs
pg_receivewal through the replication slot novatrek_<service> into <dir>/<service>-wal, each
segment gzip-compressed unless --compress=false, until stopped (SIGINT or SIGTERM). The
slot makes the server keep the WAL the archiver has not received while it is down, so no
segment is lost; a lost connection is retried, and any other failure exits non-zero (run it
under a supervisor that restarts it). With --synchronous and the server's
synchronous_standby_names = 'pg_receivewal', every commit waits for it, so every commit
blocks while it is down: supervise it closely, or name a replica beside it
(ANY 1 (pg_receivewal, <replica>)). Together with the daily base backups
(backup --base) it lets restore --to-time recover the cluster to any moment since the oldest
base backup kept. Only services whose spec asks for WAL archiving (svc-payments) have one.`,
		Example: `  novatrek wal-archive svc-payments --database-url postgres://postgres@payments-db:5432/payments
  novatrek wal-archive svc-payments --synchronous   # with synchronous_standby_names = 'pg_receivewal'`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if _, err := service.LookupDefinition(services(), args[0]); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s: archiving WAL into %s through slot %s\n", args[0], backup.WALDir(f.dir, args[0]), backup.SlotName(args[0]))
			return backup.Archive(cmd.Context(), backup.ArchiveOptions{DatabaseURL: f.cfg.DatabaseURL, Service: args[0], Dir: f.dir,
				BinDir: f.binDir, Synchronous: synchronous, Compress: compress, Log: cmd.ErrOrStderr()})
		},
	}
	f.register(cmd)
	cmd.Flags().BoolVar(&synchronous, "synchronous", false, "flush each piece of WAL as it arrives and report it at once (pg_receivewal --synchronous)")
	cmd.Flags().BoolVar(&compress, "compress", true, "gzip each segment (pg_receivewal --compress=gzip); --compress=false keeps them plain")
	return cmd
}
