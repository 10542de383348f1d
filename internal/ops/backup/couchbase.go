package backup

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// Couchbase is the spec's backup of a Couchbase store ("daily cbbackupmgr"; the standby
// cluster of "XDCR to standby cluster" is cluster configuration, see processors/loyalty's
// README): one cbbackupmgr repository per service in an archive directory, configured once
// to hold only the service's scope, one incremental backup a day, and the backups past the
// retention merged into one (the Periodic Merge strategy Couchbase recommends).
type Couchbase struct {
	// Archive is cbbackupmgr's archive directory (--archive), created if missing.
	Archive string
	// Service names the repository (--repo) and gives the retention.
	Service string
	// Cluster is the service's COUCHBASE_URL (couchbase://host; cbbackupmgr takes it as is).
	Cluster string
	// Username and Password are the service's COUCHBASE_USERNAME and COUCHBASE_PASSWORD; the
	// password reaches cbbackupmgr in CB_PASSWORD, never on its command line.
	Username, Password string
	// Bucket and Scope are the data backed up: the repository includes only bucket.scope.
	Bucket, Scope string
	// Threads is cbbackupmgr's --threads (concurrent clients); 0 is 1.
	Threads int
	// Now ages the backups for the merge; zero: time.Now.
	Now time.Time
}

// CouchbaseResult is what one Backup did.
type CouchbaseResult struct {
	Retention Retention
	// Configured is true when this run configured the repository (its first backup is full).
	Configured bool
	// Backups are the repository's backups after the backup, before the merge.
	Backups []CBBackup
	// Merged are the backups merged into one because they are past the retention.
	Merged []CBBackup
}

// repoDir is where cbbackupmgr keeps the repository's backups, one directory each.
func (c Couchbase) repoDir() string { return filepath.Join(c.Archive, c.Service) }

// include is the repository's data: the service's scope of its bucket.
func (c Couchbase) include() string { return c.Bucket + "." + c.Scope }

func (c Couchbase) threads() string { return strconv.Itoa(max(c.Threads, 1)) }

// configArgs create the repository (cbbackupmgr config), holding only the service's scope.
func (c Couchbase) configArgs() []string {
	return []string{"config", "--archive", c.Archive, "--repo", c.Service, "--include-data", c.include()}
}

// backupArgs take the next backup (incremental, the first in the repository full).
// --purge deletes what a failed backup left before starting: cbbackupmgr otherwise refuses
// every later backup until someone chooses --resume or --purge, and a daily job must not
// stop for good on one bad night.
func (c Couchbase) backupArgs() []string {
	return []string{"backup", "--archive", c.Archive, "--repo", c.Service, "--cluster", c.Cluster,
		"--username", c.Username, "--threads", c.threads(), "--purge", "--no-progress-bar"}
}

// mergeArgs merge the backups from start to end, by name, into one.
func (c Couchbase) mergeArgs(start, end CBBackup) []string {
	return []string{"merge", "--archive", c.Archive, "--repo", c.Service, "--start", start.Name, "--end", end.Name,
		"--threads", c.threads(), "--no-progress-bar"}
}

// restoreArgs restore the state at backup to: every backup from the repository's first up
// to it, in order (an incremental alone holds only that day's changes). force is
// --force-updates: without it Couchbase's conflict resolution keeps the cluster's newer
// documents, with it the backup's versions replace them.
func (c Couchbase) restoreArgs(first, to CBBackup, force bool) []string {
	args := []string{"restore", "--archive", c.Archive, "--repo", c.Service, "--cluster", c.Cluster,
		"--username", c.Username, "--start", first.Name, "--end", to.Name, "--threads", c.threads(), "--no-progress-bar"}
	if force {
		args = append(args, "--force-updates")
	}
	return args
}

// env carries the password (cbbackupmgr reads CB_PASSWORD when --password is absent).
func (c Couchbase) env() []string { return []string{"CB_PASSWORD=" + c.Password} }

// cbbackupmgr is Couchbase's backup tool, an Enterprise Edition tool (merge is Enterprise
// only) that comes with the server and the separate server tools package.
var cbbackupmgr = program{name: "cbbackupmgr", dirs: []string{"/opt/couchbase/bin"},
	missing: "install Couchbase Server's tools package (Enterprise Edition) on this host, or run the backup on a Couchbase node"}

// Backup configures the repository if it is not there yet, takes today's backup and merges
// the backups past the retention into one. Run it daily.
func (c Couchbase) Backup(ctx context.Context) (CouchbaseResult, error) {
	ret, err := RetentionOf(c.Service)
	if err != nil {
		return CouchbaseResult{}, err
	}
	res := CouchbaseResult{Retention: ret}
	path, err := cbbackupmgr.path()
	if err != nil {
		return res, err
	}
	// The repository is configured once cbbackupmgr config wrote its backup-meta.json: a
	// config that died after creating the directory is run again, not taken as done.
	if _, err := os.Stat(filepath.Join(c.repoDir(), "backup-meta.json")); errors.Is(err, fs.ErrNotExist) {
		if err := os.MkdirAll(c.Archive, 0o700); err != nil {
			return res, fmt.Errorf("backup: %w", err)
		}
		if err := runProgram(ctx, path, nil, c.configArgs()...); err != nil {
			return res, err
		}
		res.Configured = true
	} else if err != nil {
		return res, fmt.Errorf("backup: %w", err)
	}
	if err := runProgram(ctx, path, c.env(), c.backupArgs()...); err != nil {
		return res, err
	}
	if res.Backups, err = ListCB(c.repoDir()); err != nil {
		return res, err
	}
	now := c.Now
	if now.IsZero() {
		now = time.Now()
	}
	res.Merged = mergePlan(res.Backups, ret.Keep(), now)
	if len(res.Merged) > 0 {
		err = runProgram(ctx, path, nil, c.mergeArgs(res.Merged[0], res.Merged[len(res.Merged)-1])...)
	}
	return res, err
}

// Restore restores the repository's backup named name ("" is the newest) into the cluster:
// the service's scope as it was at that backup. Stop the service first.
func (c Couchbase) Restore(ctx context.Context, name string, force bool) (CBBackup, error) {
	backups, err := ListCB(c.repoDir())
	if err != nil {
		return CBBackup{}, err
	}
	to, err := pickCB(backups, name, c.repoDir())
	if err != nil {
		return CBBackup{}, err
	}
	path, err := cbbackupmgr.path()
	if err != nil {
		return to, err
	}
	return to, runProgram(ctx, path, c.env(), c.restoreArgs(backups[0], to, force)...)
}

// Pick is the backup Restore would restore: the one named name, or the newest.
func (c Couchbase) Pick(name string) (CBBackup, error) {
	backups, err := ListCB(c.repoDir())
	if err != nil {
		return CBBackup{}, err
	}
	return pickCB(backups, name, c.repoDir())
}
