package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"

	"github.com/novatrek/support/internal/ops/backup"
	"github.com/novatrek/support/internal/platform/config"
	"github.com/novatrek/support/processors/analytics"
	"github.com/novatrek/support/processors/loyalty"
)

// secondStore is the store a service keeps beside its PostgreSQL schema when its settings
// (the service's own variables, read as the service reads them) put its data there:
// svc-loyalty-rewards' ledger and outbox in Couchbase (LOYALTY_STORE=couchbase), backed up
// with cbbackupmgr, and svc-analytics' facts in Oracle (ANALYTICS_STORE=oracle), backed up
// with RMAN. The schema keeps the inbox and offsets either way, so `backup` dumps it first
// and backs up the second store after: the offsets are never newer than the data they
// account for, and a restore of both re-applies the events between, which find their
// effects there and book nothing twice. The zero value is a service with no second store.
type secondStore struct {
	cb   *backup.Couchbase
	rman *backup.RMAN
}

// secondStoreOf is service's second store, its settings checked as the service checks them.
func secondStoreOf(service, schema, dir string) (secondStore, error) {
	dir, err := filepath.Abs(dir) // the vendors' tools are given absolute paths
	if err != nil {
		return secondStore{}, err
	}
	switch service {
	case loyalty.ServiceName:
		var cfg loyalty.Config
		if err := config.Load(os.Getenv, &cfg); err != nil {
			return secondStore{}, err
		}
		if cfg.Store != "couchbase" {
			return secondStore{}, nil
		}
		// The scope is the spec's schema name, as the service names it.
		return secondStore{cb: &backup.Couchbase{Archive: filepath.Join(dir, "couchbase"), Service: service,
			Cluster: cfg.URL, Username: cfg.Username, Password: cfg.Password, Bucket: cfg.Bucket, Scope: schema,
			Threads: runtime.NumCPU()}}, nil
	case analytics.ServiceName:
		var cfg analytics.Config
		if err := config.Load(os.Getenv, &cfg); err != nil {
			return secondStore{}, err
		}
		if cfg.Store != "oracle" {
			return secondStore{}, nil
		}
		return secondStore{rman: &backup.RMAN{Dir: dir, Service: service, Level: -1}}, nil
	}
	return secondStore{}, nil
}

// backup backs up the second store, after the schema's dump.
func (s secondStore) backup(ctx context.Context, out io.Writer, service string, level int) error {
	switch {
	case s.cb != nil:
		res, err := s.cb.Backup(ctx)
		if err != nil {
			return err
		}
		created := ""
		if res.Configured {
			created = ", the repository created"
		}
		fmt.Fprintf(out, "%s: Couchbase %s.%s backed up into repository %s of %s (%d backups%s); keeping %d days, merged %d older into one\n",
			service, s.cb.Bucket, s.cb.Scope, service, s.cb.Archive, len(res.Backups), created, res.Retention.Days, len(res.Merged))
	case s.rman != nil:
		r := *s.rman
		r.Level = level
		res, err := r.Backup(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "%s: RMAN level %d backup done (%s, log %s); recovery window %d days, obsolete backups deleted\n",
			service, res.Level, res.Script, res.Log, res.Retention.Days)
	}
	return nil
}

// dump is the schema dump to restore beside the second store's restore point, and for
// Couchbase that point: the backup named cbName ("" the newest), picked once here so the
// restore that follows uses the very backup the dump was paired with. The dump is the file
// asked for, else for Couchbase the newest taken at or before that backup, else the newest.
// A dump asked for that is newer than the Couchbase backup is refused: its inbox would say
// the events after the backup were applied, and they would be lost. Oracle is recovered
// completely, so its facts are as new as can be.
func (s secondStore) dump(dir, service, cbName, file string) (path, picked string, err error) {
	if s.cb == nil {
		if file != "" {
			return file, "", nil
		}
		f, err := backup.Latest(dir, service)
		return f.Path, "", err
	}
	b, err := s.cb.Pick(cbName)
	if err != nil {
		return "", "", err
	}
	if file == "" {
		f, err := backup.LatestAtOrBefore(dir, service, b.Taken)
		return f.Path, b.Name, err
	}
	if taken, ok := backup.TakenOf(service, file); !ok || taken.After(b.Taken) {
		return "", "", fmt.Errorf("--file %s is not a dump of %s taken at or before the Couchbase backup %s: its offsets would be "+
			"ahead of the ledger (leave --file out to pair them)", file, service, b.Name)
	}
	return file, b.Name, nil
}

// restore restores the second store, after the schema: if it fails, the offsets restored
// are older than what the store holds, which is safe (the gap is re-applied). Oracle is
// recovered only when oracle is set (--oracle): RMAN's STARTUP FORCE aborts the running
// instance, downtime for everything in that database, which an operator restoring the
// schema alone must not get by surprise; without it the facts stay as they are, as new as
// or newer than the restored offsets, which is safe (the gap is re-applied).
func (s secondStore) restore(ctx context.Context, out io.Writer, service, cbName string, force, oracle bool) error {
	if oracle && s.rman == nil {
		return fmt.Errorf("%s: --oracle recovers the Oracle store of svc-analytics with ANALYTICS_STORE=oracle; %s has none here", service, service)
	}
	switch {
	case s.cb != nil:
		b, err := s.cb.Restore(ctx, cbName, force)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "%s: Couchbase %s.%s restored to backup %s\n", service, s.cb.Bucket, s.cb.Scope, b.Name)
	case s.rman != nil && !oracle:
		fmt.Fprintf(out, "%s: Oracle left as it is (--oracle recovers it completely with RMAN, aborting the running instance: downtime)\n", service)
	case s.rman != nil:
		res, err := s.rman.Restore(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "%s: Oracle recovered completely by RMAN (%s, log %s)\n", service, res.Script, res.Log)
	}
	return nil
}
