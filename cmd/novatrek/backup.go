package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/novatrek/support/internal/ops/backup"
	"github.com/novatrek/support/internal/platform/config"
	"github.com/novatrek/support/internal/platform/service"
)

// EnvBackupDir is where `backup` writes and `restore` reads dumps (--dir); default
// <data dir>/backups.
const EnvBackupDir = "NOVATREK_BACKUP_DIR"

// backupFlags are what backup and restore share: the database, the directory of dumps and
// where pg_dump and pg_restore are.
type backupFlags struct {
	cfg    config.Config
	dir    string
	binDir string
}

func (f *backupFlags) register(cmd *cobra.Command) {
	f.cfg = config.FromEnv()
	dir := os.Getenv(EnvBackupDir)
	if dir == "" {
		dir = filepath.Join(f.cfg.DataDir, "backups")
	}
	cmd.Flags().StringVar(&f.dir, "dir", dir, "directory of the backups: dumps, base backups, WAL archive (env "+EnvBackupDir+"; default <data dir>/backups)")
	cmd.Flags().StringVar(&f.binDir, "pg-bin", os.Getenv(backup.EnvPGBin),
		"directory holding the PostgreSQL programs: pg_dump, pg_restore, pg_basebackup, pg_receivewal, pg_verifybackup (env "+backup.EnvPGBin+"; default PATH)")
	cmd.Flags().StringVar(&f.cfg.DatabaseURL, "database-url", f.cfg.DatabaseURL, "PostgreSQL URL (env DATABASE_URL)")
	// --help shows the default, which comes from the environment: never its password.
	cmd.Flags().Lookup("database-url").DefValue = config.Redact(f.cfg.DatabaseURL)
}

// storeOf is the description of the named service, which must keep a PostgreSQL schema.
func storeOf(defs []service.Definition, name string) (service.Description, error) {
	def, err := service.LookupDefinition(defs, name)
	if err != nil {
		return service.Description{}, err
	}
	d := def.Describe()
	if d.Store.Schema == "" {
		return d, fmt.Errorf("%s keeps no PostgreSQL schema: nothing to back up", name)
	}
	return d, nil
}

func newBackupCmd(services func() []service.Definition) *cobra.Command {
	var f backupFlags
	var rmanLevel int
	var base bool
	cmd := &cobra.Command{
		Use:   "backup [service...]",
		Short: "pg_dump the services' schemas (default all) into the backup directory, pruning dumps past the spec's retention",
		Long: `backup dumps each named service's PostgreSQL schema (its tables, inbox, stored offsets and
outbox) with pg_dump's custom format into --dir as <service>-<UTC time>.dump, then deletes
that service's dumps older than the retention the domain spec gives its store (the newest
is always kept). Run it daily; restore brings a dump back. With LOYALTY_STORE=couchbase,
svc-loyalty-rewards' scope is then backed up with cbbackupmgr into <dir>/couchbase; with
ANALYTICS_STORE=oracle, svc-analytics' database with RMAN (on the database host).

With --base it takes a base backup of the cluster of svc-payments (whose spec asks for WAL
archiving and daily base backups: run it daily beside wal-archive) with pg_basebackup,
verifies it with pg_verifybackup, and names it <service>-base-<UTC time it completed>; base
backups past the 7 years go, and the archived WAL no kept base backup needs.`,
		Example: `  novatrek backup                        # every service, into .novatrek/backups
  novatrek backup svc-reviews --dir /var/backups/novatrek
  LOYALTY_STORE=couchbase COUCHBASE_URL=couchbase://127.0.0.1 COUCHBASE_USERNAME=novatrek COUCHBASE_PASSWORD=novatrek-dev \
    novatrek backup svc-loyalty-rewards  # the schema, then cbbackupmgr into .novatrek/backups/couchbase
  novatrek backup svc-payments --base    # svc-payments' own cluster (DATABASE_URL)`,
		RunE: func(cmd *cobra.Command, args []string) error {
			defs := services()
			if base {
				if cmd.Flags().Changed("rman-level") {
					return fmt.Errorf("backup --base takes a pg_basebackup of svc-payments' cluster: --rman-level is for svc-analytics' RMAN backup (ANALYTICS_STORE=oracle), without --base")
				}
				return baseBackups(cmd, defs, &f, args)
			}
			if len(args) == 0 {
				args = service.DefinitionNames(defs)
			}
			var secondErrs []error
			for _, name := range args {
				d, err := storeOf(defs, name)
				if err != nil {
					return err
				}
				second, err := secondStoreOf(name, d.Store.Schema, f.dir)
				if err != nil {
					return err
				}
				res, err := backup.Dump(cmd.Context(), backup.DumpOptions{DatabaseURL: f.cfg.DatabaseURL, Service: name,
					Schema: d.Store.Schema, Dir: f.dir, BinDir: f.binDir})
				if err != nil {
					return fmt.Errorf("%s: %w", name, err)
				}
				size := int64(0)
				if st, err := os.Stat(res.File.Path); err == nil {
					size = st.Size()
				}
				fmt.Fprintf(cmd.OutOrStdout(), "%s: schema %s dumped to %s (%d bytes); keeping %d days (%s), pruned %d\n",
					name, d.Store.Schema, res.File.Path, size, res.Retention.Days, res.Retention.Source, len(res.Pruned))
				// A second store (Couchbase, Oracle) is backed up after the dump (backup_stores.go);
				// its failure (rman on another host) does not stop the other services' dumps.
				if err := second.backup(cmd.Context(), cmd.OutOrStdout(), name, rmanLevel); err != nil {
					secondErrs = append(secondErrs, fmt.Errorf("%s: %w", name, err))
				}
			}
			return errors.Join(secondErrs...)
		},
	}
	f.register(cmd)
	cmd.Flags().IntVar(&rmanLevel, "rman-level", -1, "with ANALYTICS_STORE=oracle, the RMAN incremental level (0 or 1; default 0 on Sundays, 1 else)")
	cmd.Flags().BoolVar(&base, "base", false, "a verified pg_basebackup of the service's own cluster instead of a dump (default svc-payments)")
	return cmd
}

func newRestoreCmd(services func() []service.Definition) *cobra.Command {
	var f backupFlags
	var file, cbBackup, toTime, pgdata, timeline string
	var force, oracle bool
	cmd := &cobra.Command{
		Use:   "restore <service>",
		Short: "pg_restore a service's schema from its newest dump (or --file); refuses a non-empty schema without --force",
		Long: `restore brings back the service's schema from a dump of backup, into the database of
DATABASE_URL (a fresh one, or one whose schema is missing or empty; --force replaces a schema
that holds tables, and puts it back if the restore fails). Stop the service first. When it
starts again it resumes from the offsets stored in the dump: it re-applies the events Kafka
kept since, and the consumers downstream skip the results it publishes again. With
LOYALTY_STORE=couchbase the scope is restored too, to the Couchbase backup the dump was
taken just before. With ANALYTICS_STORE=oracle and --oracle, RMAN recovers the Oracle
database completely: its script starts with STARTUP FORCE, which aborts the running
instance (downtime for everything in that database); without --oracle the Oracle facts are
left as they are.

With --to-time T --pgdata D (svc-payments) it builds a new PostgreSQL data directory D from
the newest base backup completed at or before T and the WAL wal-archive kept, set to replay
up to T and promote; start a server on it (pg_ctl -D D start) to get the cluster as it was
at T. It says which base backup and WAL segments it used, and refuses a non-empty D. When
the archive holds a timeline newer than the base backup's (a restore promoted a cluster
since), say which T is on with --timeline (current, latest or a number).`,
		Example: `  novatrek restore svc-reviews                  # the newest dump in .novatrek/backups
  novatrek restore svc-reviews --force --file .novatrek/backups/svc-reviews-20261207T030000Z.dump
  novatrek restore svc-loyalty-rewards --force --couchbase-backup 2026-12-07T03_00_05.123456789Z   # with LOYALTY_STORE=couchbase
  novatrek restore svc-payments --to-time 2026-12-08T02:15:00Z --pgdata /srv/payments-at-0215`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			d, err := storeOf(services(), args[0])
			if err != nil {
				return err
			}
			if toTime != "" || pgdata != "" || timeline != "" {
				if file != "" || force {
					return fmt.Errorf("restore --to-time builds a new data directory from base backups and WAL: --file and --force are the dump's")
				}
				return restoreToTime(cmd, &f, d.Name, toTime, pgdata, timeline)
			}
			second, err := secondStoreOf(d.Name, d.Store.Schema, f.dir)
			if err != nil {
				return err
			}
			var picked string // the Couchbase backup the dump is paired with
			if file, picked, err = second.dump(f.dir, d.Name, cbBackup, file); err != nil {
				return err
			}
			if err := backup.Restore(cmd.Context(), backup.RestoreOptions{DatabaseURL: f.cfg.DatabaseURL, Schema: d.Store.Schema,
				File: file, Force: force, BinDir: f.binDir}); err != nil {
				return fmt.Errorf("%s: %w", d.Name, err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s: schema %s restored from %s\n", d.Name, d.Store.Schema, file)
			return second.restore(cmd.Context(), cmd.OutOrStdout(), d.Name, picked, force, oracle)
		},
	}
	f.register(cmd)
	cmd.Flags().StringVar(&file, "file", "", "the dump to restore (default the service's newest in --dir)")
	cmd.Flags().BoolVar(&force, "force", false, "replace a schema that holds tables (and, in Couchbase, overwrite newer documents)")
	cmd.Flags().BoolVar(&oracle, "oracle", false, "with ANALYTICS_STORE=oracle, also recover the Oracle database completely with RMAN (STARTUP FORCE aborts the running instance: downtime)")
	cmd.Flags().StringVar(&cbBackup, "couchbase-backup", "", "with LOYALTY_STORE=couchbase, the cbbackupmgr backup to restore (default the newest)")
	cmd.Flags().StringVar(&toTime, "to-time", "", "recover the service's cluster to this RFC 3339 time from base backups and archived WAL (svc-payments)")
	cmd.Flags().StringVar(&pgdata, "pgdata", "", "with --to-time: the new, empty PostgreSQL data directory to build")
	cmd.Flags().StringVar(&timeline, "timeline", "", "with --to-time, when the archive holds a timeline newer than the base backup's (a restore promoted since): current, latest or a timeline number")
	return cmd
}
