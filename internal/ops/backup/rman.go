package backup

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// RMAN is the spec's backup of an Oracle store ("Oracle RMAN incremental backup, 90-day
// retention"): a level 0 incremental (the whole database) every Sunday, a level 1 (the
// blocks changed since the last level 0 or 1) the other days, the retention a recovery
// window (RMAN keeps whatever recovering to any moment of the window needs, so the level 0
// before the window's start stays too), and DELETE OBSOLETE removing the rest. RMAN backs
// up the whole database, not one schema, and connects to it as the database host's oracle
// OS user (`rman target /`): the command writes the script into the backup directory and
// runs rman when it is on this host, else says where to run it.
type RMAN struct {
	// Dir is the backup directory, where the script and rman's log are written.
	Dir string
	// Service names the files and gives the retention.
	Service string
	// Level forces the incremental level (0 or 1); -1 chooses by weekday (rmanLevel).
	Level int
	// Now dates the backup; zero: time.Now.
	Now time.Time
}

// rman is Oracle's Recovery Manager, in the database home's bin.
var rman = program{name: "rman", dirs: []string{filepath.Join(os.Getenv("ORACLE_HOME"), "bin")},
	missing: "RMAN runs on the database host as the oracle OS user"}

// rmanLevel is the incremental level of a backup taken at t: 0 on Sundays (UTC), 1 else.
func rmanLevel(t time.Time) int {
	if t.UTC().Weekday() == time.Sunday {
		return 0
	}
	return 1
}

// rmanBackupScript is the command file of one backup at level, keeping days of recovery
// window. The CONFIGURE lines are persistent settings of the database; repeating them
// daily keeps them as the spec says. A level 1 with no level 0 to build on is taken as a
// level 0 by RMAN itself. PLUS ARCHIVELOG backs up the redo that recovering between
// backups needs (the database must run in ARCHIVELOG mode). CROSSCHECK marks the backups
// someone deleted by hand as expired, so DELETE OBSOLETE reasons from what is there. The TAG
// stands before DATABASE, among the options of the whole command, so the archived logs'
// backup sets carry it too (after DATABASE it would name the datafiles' alone).
func rmanBackupScript(level, days int, t time.Time) string {
	return fmt.Sprintf(`# novatrek backup, %s: the spec's Oracle RMAN incremental backup, %d-day retention
CONFIGURE RETENTION POLICY TO RECOVERY WINDOW OF %d DAYS;
CONFIGURE CONTROLFILE AUTOBACKUP ON;
BACKUP INCREMENTAL LEVEL %d TAG 'NOVATREK_L%d_%s' DATABASE PLUS ARCHIVELOG;
CROSSCHECK BACKUP;
CROSSCHECK ARCHIVELOG ALL;
DELETE NOPROMPT OBSOLETE;
`, t.UTC().Format(time.RFC3339), days, days, level, level, t.UTC().Format("20060102"))
}

// rmanRestoreScript is a complete recovery: the datafiles restored from the newest level 0
// and its level 1s, then the archived and online redo applied to the last commit. Facts
// are never older than the PostgreSQL offsets that say which events they hold, which a
// recovery to an earlier moment (SET UNTIL TIME, a DBA's decision for the whole database)
// would break.
const rmanRestoreScript = `# novatrek restore: complete recovery of the database from its RMAN backups
STARTUP FORCE MOUNT;
RESTORE DATABASE;
RECOVER DATABASE;
ALTER DATABASE OPEN;
`

// RMANResult is the script written, its level (backups), and whether rman ran it.
type RMANResult struct {
	Script    string
	Log       string
	Level     int
	Retention Retention
	Ran       bool
}

// Backup writes the day's backup script and runs it.
func (r RMAN) Backup(ctx context.Context) (RMANResult, error) {
	ret, err := RetentionOf(r.Service)
	if err != nil {
		return RMANResult{}, err
	}
	now := r.Now
	if now.IsZero() {
		now = time.Now()
	}
	level := r.Level
	if level < 0 {
		level = rmanLevel(now)
	}
	if level != 0 && level != 1 {
		return RMANResult{}, fmt.Errorf("backup: RMAN level %d: the spec's scheme uses levels 0 and 1", level)
	}
	res, err := r.run(ctx, "backup", rmanBackupScript(level, ret.Days, now))
	res.Level, res.Retention = level, ret
	return res, err
}

// Restore writes the complete recovery's script and runs it.
func (r RMAN) Restore(ctx context.Context) (RMANResult, error) {
	return r.run(ctx, "restore", rmanRestoreScript)
}

// run writes script as <service>-rman-<kind>.rman in Dir (replacing yesterday's) and runs
// `rman target / cmdfile=... log=...`; without rman here, the error is one line naming the
// script to copy to the database host and the command to run there.
func (r RMAN) run(ctx context.Context, kind, script string) (RMANResult, error) {
	if err := os.MkdirAll(r.Dir, 0o700); err != nil {
		return RMANResult{}, fmt.Errorf("backup: %w", err)
	}
	base := filepath.Join(r.Dir, r.Service+"-rman-"+kind)
	res := RMANResult{Script: base + ".rman", Log: base + ".log"}
	if err := os.WriteFile(res.Script, []byte(script), 0o600); err != nil {
		return res, fmt.Errorf("backup: %w", err)
	}
	args := rmanArgs(res.Script, res.Log)
	path, err := rman.path()
	if err != nil {
		return res, fmt.Errorf("%w: copy %s there and run `rman %s`", err, res.Script,
			strings.Join(rmanArgs(filepath.Base(res.Script), filepath.Base(res.Log)), " "))
	}
	if err := runProgram(ctx, path, nil, args...); err != nil {
		return res, fmt.Errorf("%w; %s (log %s)", err, rmanErrors(res.Log), res.Log)
	}
	res.Ran = true
	return res, nil
}

// rmanArgs connect to the local instance with OS authentication (ORACLE_SID names it) and
// run the command file, logging to log.
func rmanArgs(script, log string) []string {
	return []string{"target", "/", "cmdfile=" + script, "log=" + log}
}

// rmanErrors are the last RMAN- and ORA- lines of rman's log: with log= it writes its
// messages there, not to stdout.
func rmanErrors(log string) string {
	text, err := os.ReadFile(log)
	if err != nil {
		return "no log"
	}
	var errs []string
	for _, l := range strings.Split(string(text), "\n") {
		if l = strings.TrimSpace(l); strings.HasPrefix(l, "RMAN-") || strings.HasPrefix(l, "ORA-") {
			errs = append(errs, l)
		}
	}
	return lastWords(strings.Join(errs, "\n"), 4)
}
