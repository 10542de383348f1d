package backup

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// rmanGrammar are the statements of Oracle's RMAN reference (19c) the scripts may use, as
// patterns of their documented syntax: every non-comment line must match one, so a
// statement RMAN would reject (a missing semicolon, an option out of place) fails here.
var rmanGrammar = []*regexp.Regexp{
	regexp.MustCompile(`^CONFIGURE RETENTION POLICY TO RECOVERY WINDOW OF [1-9][0-9]* DAYS;$`),
	regexp.MustCompile(`^CONFIGURE CONTROLFILE AUTOBACKUP ON;$`),
	// BACKUP INCREMENTAL LEVEL n TAG 'x' DATABASE PLUS ARCHIVELOG: the tag (at most 30
	// letters, digits and underscores) among the command's options, before the spec.
	regexp.MustCompile(`^BACKUP INCREMENTAL LEVEL [01] TAG '[A-Z0-9_]{1,30}' DATABASE PLUS ARCHIVELOG;$`),
	regexp.MustCompile(`^CROSSCHECK BACKUP;$`),
	regexp.MustCompile(`^CROSSCHECK ARCHIVELOG ALL;$`),
	regexp.MustCompile(`^DELETE NOPROMPT OBSOLETE;$`),
	regexp.MustCompile(`^STARTUP FORCE MOUNT;$`),
	regexp.MustCompile(`^RESTORE DATABASE;$`),
	regexp.MustCompile(`^RECOVER DATABASE;$`),
	regexp.MustCompile(`^ALTER DATABASE OPEN;$`),
}

// statements are the script's lines that are not RMAN comments ('#'), each checked against
// the grammar.
func statements(t *testing.T, script string) []string {
	t.Helper()
	var out []string
	for _, l := range strings.Split(strings.TrimSpace(script), "\n") {
		if strings.HasPrefix(l, "#") {
			continue
		}
		ok := false
		for _, re := range rmanGrammar {
			ok = ok || re.MatchString(l)
		}
		if !ok {
			t.Errorf("RMAN line %q matches no documented statement", l)
		}
		out = append(out, l)
	}
	return out
}

// TestRMANBackupScript: the day's script sets the spec's 90-day recovery window, takes the
// level asked with the archived redo, and deletes what the window no longer needs, in that
// order (the policy is set before DELETE OBSOLETE reads it).
func TestRMANBackupScript(t *testing.T) {
	t.Parallel()
	ret, err := RetentionOf("svc-analytics")
	if err != nil || ret.Days != 90 {
		t.Fatalf("svc-analytics keeps %d days (%v), want the spec's 90", ret.Days, err)
	}
	at := time.Date(2026, 12, 6, 2, 0, 0, 0, time.UTC)
	got := statements(t, rmanBackupScript(0, ret.Days, at))
	want := []string{
		"CONFIGURE RETENTION POLICY TO RECOVERY WINDOW OF 90 DAYS;",
		"CONFIGURE CONTROLFILE AUTOBACKUP ON;",
		"BACKUP INCREMENTAL LEVEL 0 TAG 'NOVATREK_L0_20261206' DATABASE PLUS ARCHIVELOG;",
		"CROSSCHECK BACKUP;",
		"CROSSCHECK ARCHIVELOG ALL;",
		"DELETE NOPROMPT OBSOLETE;",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("level 0 script:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if l1 := statements(t, rmanBackupScript(1, ret.Days, at.AddDate(0, 0, 1))); l1[2] != "BACKUP INCREMENTAL LEVEL 1 TAG 'NOVATREK_L1_20261207' DATABASE PLUS ARCHIVELOG;" {
		t.Errorf("level 1 backup line %q", l1[2])
	}
	restore := statements(t, rmanRestoreScript)
	if strings.Join(restore, " ") != "STARTUP FORCE MOUNT; RESTORE DATABASE; RECOVER DATABASE; ALTER DATABASE OPEN;" {
		t.Errorf("restore script %v, want a complete recovery", restore)
	}
	if args := strings.Join(rmanArgs("/b/x.rman", "/b/x.log"), " "); args != "target / cmdfile=/b/x.rman log=/b/x.log" {
		t.Errorf("rman %s", args)
	}
}

// TestRMANLevelIsWeekly: two weeks of daily backups have exactly two level 0s, on the
// Sundays (UTC: Sunday evening in New York is Monday's level 1).
func TestRMANLevelIsWeekly(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 11, 30, 2, 0, 0, 0, time.UTC) // a Monday
	var zeros []string
	for d := range 14 {
		at := start.AddDate(0, 0, d)
		if rmanLevel(at) == 0 {
			zeros = append(zeros, at.Format("Mon Jan 2"))
		}
	}
	if strings.Join(zeros, ",") != "Sun Dec 6,Sun Dec 13" {
		t.Errorf("level 0 on %v, want the two Sundays", zeros)
	}
	ny := time.FixedZone("EST", -5*3600)
	if got := rmanLevel(time.Date(2026, 12, 6, 21, 0, 0, 0, ny)); got != 1 {
		t.Errorf("Sunday 21:00 EST (Monday UTC): level %d, want 1", got)
	}
}

// TestRMANWithoutTheToolSaysWhereToRunIt: on a host without rman, backup writes the day's
// script into the backup directory and stops on one line naming it and the command to run
// on the database host.
func TestRMANWithoutTheToolSaysWhereToRunIt(t *testing.T) {
	if _, err := rman.path(); err == nil {
		t.Skip("rman is installed on this host")
	}
	t.Setenv("PATH", t.TempDir())
	dir := t.TempDir()
	res, err := RMAN{Dir: dir, Service: "svc-analytics", Level: -1, Now: time.Date(2026, 12, 7, 2, 0, 0, 0, time.UTC)}.Backup(t.Context())
	if err == nil {
		t.Fatal("backup without rman succeeded")
	}
	msg := err.Error()
	script := filepath.Join(dir, "svc-analytics-rman-backup.rman")
	if strings.Contains(msg, "\n") || !strings.Contains(msg, "rman is not on PATH") || !strings.Contains(msg, "database host as the oracle OS user") ||
		!strings.Contains(msg, "copy "+script+" there and run `rman target / cmdfile=svc-analytics-rman-backup.rman log=svc-analytics-rman-backup.log`") {
		t.Errorf("error %q, want one line saying where to run which script", msg)
	}
	text, err := os.ReadFile(script)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(text), "BACKUP INCREMENTAL LEVEL 1 TAG") || res.Level != 1 || res.Ran {
		t.Errorf("Monday's script (level %d, ran %v):\n%s", res.Level, res.Ran, text)
	}
	if _, err := (RMAN{Dir: dir, Service: "svc-analytics", Level: 2}).Backup(t.Context()); err == nil || !strings.Contains(err.Error(), "levels 0 and 1") {
		t.Errorf("level 2: %v", err)
	}
}
