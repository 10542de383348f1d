package backup

import (
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// cbDocumented are the options of each cbbackupmgr subcommand the commands use, from the
// SYNOPSIS of Couchbase's cbbackupmgr-config, -backup, -merge and -restore pages (7.x):
// every flag built must be one of them, so a misspelt or invented option fails here, not
// on the operator's first night.
var cbDocumented = map[string][]string{
	"config":  {"--archive", "--repo", "--include-data", "--exclude-data", "--disable-bucket-config", "--disable-views", "--disable-eventing", "--disable-gsi-indexes", "--disable-ft-indexes", "--disable-data"},
	"backup":  {"--archive", "--repo", "--cluster", "--username", "--password", "--resume", "--purge", "--threads", "--cacert", "--no-ssl-verify", "--value-compression", "--no-progress-bar", "--full-backup"},
	"merge":   {"--archive", "--repo", "--start", "--end", "--date-range", "--threads", "--no-progress-bar"},
	"restore": {"--archive", "--repo", "--cluster", "--username", "--password", "--start", "--end", "--include-data", "--exclude-data", "--map-data", "--force-updates", "--threads", "--no-progress-bar", "--auto-create-buckets"},
}

// options reads args (subcommand, then --flag value or --flag) into flag → value ("" for a
// switch), failing on a flag the subcommand's synopsis does not have or one given twice.
func options(t *testing.T, args []string) map[string]string {
	t.Helper()
	sub, rest := args[0], args[1:]
	documented, ok := cbDocumented[sub]
	if !ok {
		t.Fatalf("cbbackupmgr %s is not a subcommand the tests know", sub)
	}
	got := map[string]string{}
	for i := 0; i < len(rest); i++ {
		flag := rest[i]
		if !slices.Contains(documented, flag) {
			t.Fatalf("cbbackupmgr %s %s: not in the documented synopsis", sub, flag)
		}
		if _, twice := got[flag]; twice {
			t.Fatalf("cbbackupmgr %s: %s given twice", sub, flag)
		}
		got[flag] = ""
		if i+1 < len(rest) && !strings.HasPrefix(rest[i+1], "--") {
			got[flag] = rest[i+1]
			i++
		}
	}
	return got
}

func testCouchbase() Couchbase {
	return Couchbase{Archive: "/var/backups/novatrek/couchbase", Service: "svc-loyalty-rewards", Cluster: "couchbase://cb1.example",
		Username: "novatrek", Password: "s3cret-pw", Bucket: "novatrek", Scope: "loyalty", Threads: 4}
}

// TestCouchbaseCommandLines: the repository holds only the service's scope (bucket.scope,
// the collection-string form of --include-data), the backup and restore reach the
// service's cluster as its user without the password on the command line, the backup
// purges what a failed one left (else every later one is refused), the merge names
// its two ends, and the restore replays the repository from its first backup to the one
// chosen (an incremental alone holds one day's changes).
func TestCouchbaseCommandLines(t *testing.T) {
	t.Parallel()
	c := testCouchbase()
	first := CBBackup{Name: "2026-11-01T03_00_00.000000000Z"}
	to := CBBackup{Name: "2026-12-07T03_00_00.000000000Z"}
	cases := []struct {
		args []string
		want map[string]string
	}{
		{c.configArgs(), map[string]string{"--archive": c.Archive, "--repo": "svc-loyalty-rewards", "--include-data": "novatrek.loyalty"}},
		{c.backupArgs(), map[string]string{"--archive": c.Archive, "--repo": "svc-loyalty-rewards", "--cluster": "couchbase://cb1.example",
			"--username": "novatrek", "--threads": "4", "--purge": "", "--no-progress-bar": ""}},
		{c.mergeArgs(first, to), map[string]string{"--archive": c.Archive, "--repo": "svc-loyalty-rewards", "--start": first.Name,
			"--end": to.Name, "--threads": "4", "--no-progress-bar": ""}},
		{c.restoreArgs(first, to, false), map[string]string{"--archive": c.Archive, "--repo": "svc-loyalty-rewards",
			"--cluster": "couchbase://cb1.example", "--username": "novatrek", "--start": first.Name, "--end": to.Name,
			"--threads": "4", "--no-progress-bar": ""}},
	}
	for _, tc := range cases {
		got := options(t, tc.args)
		if !maps.Equal(got, tc.want) {
			t.Errorf("cbbackupmgr %s: options %v, want %v", tc.args[0], got, tc.want)
		}
		if slices.ContainsFunc(tc.args, func(a string) bool { return strings.Contains(a, c.Password) }) {
			t.Errorf("cbbackupmgr %s carries the password on its command line", tc.args[0])
		}
	}
	forced := options(t, c.restoreArgs(first, to, true))
	if _, ok := forced["--force-updates"]; !ok || len(forced) != len(cases[3].want)+1 {
		t.Errorf("restore --force: %v, want the same options plus --force-updates", forced)
	}
	if env := c.env(); !slices.Equal(env, []string{"CB_PASSWORD=s3cret-pw"}) {
		t.Errorf("env %d entries, want exactly CB_PASSWORD", len(env))
	}
	if got := (Couchbase{}).threads(); got != "1" {
		t.Errorf("threads unset: %s, want 1", got)
	}
}

// TestListCBReadsBackupDirectories: backup directories are named by RFC 3339 time with
// '_' for ':', in UTC or with an offset; they sort by the instant, not the text, and the
// repository's other entries are not backups.
func TestListCBReadsBackupDirectories(t *testing.T) {
	t.Parallel()
	repo := t.TempDir()
	for _, d := range []string{"2026-12-07T03_00_00.5Z", "2026-12-06T20_30_00.000000001-08_00", "2026-12-05T03_00_00Z", "logs", "2026-13-01T00_00_00Z"} {
		if err := os.Mkdir(filepath.Join(repo, d), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(repo, "2026-12-08T03_00_00Z"), nil, 0o600); err != nil { // a file, not a backup
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(repo, "backup-meta.json"), []byte("{}"), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := ListCB(repo)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, b := range got {
		names = append(names, b.Name)
	}
	// 20:30 at -08:00 is 04:30 UTC on the 7th: after 03:00:00.5Z.
	want := []string{"2026-12-05T03_00_00Z", "2026-12-07T03_00_00.5Z", "2026-12-06T20_30_00.000000001-08_00"}
	if !slices.Equal(names, want) {
		t.Errorf("backups %v, want %v", names, want)
	}
	if none, err := ListCB(filepath.Join(repo, "absent")); err != nil || none != nil {
		t.Errorf("a repository not configured: %v, %v; want none", none, err)
	}
	if b, err := pickCB(got, "", repo); err != nil || b.Name != want[2] {
		t.Errorf("newest: %v, %v", b, err)
	}
	if b, err := pickCB(got, want[0], repo); err != nil || b.Name != want[0] {
		t.Errorf("named: %v, %v", b, err)
	}
	if _, err := pickCB(got, "2026-01-01T00_00_00Z", repo); err == nil || !strings.Contains(err.Error(), "no Couchbase backup named") {
		t.Errorf("an unknown name: %v", err)
	}
	if _, err := pickCB(nil, "", repo); err == nil || !strings.Contains(err.Error(), "novatrek backup makes one") {
		t.Errorf("an empty repository: %v", err)
	}
}

// daily is n backups a day apart at 03:00 UTC from start.
func daily(start time.Time, n int) []CBBackup {
	out := make([]CBBackup, n)
	for i := range out {
		t := start.AddDate(0, 0, i)
		out[i] = CBBackup{Name: strings.ReplaceAll(t.Format(time.RFC3339Nano), ":", "_"), Taken: t}
	}
	return out
}

// TestMergePlanKeepsTheRetentionsRestorePoints: with the 30 days svc-loyalty-rewards keeps,
// 40 daily backups leave their last 30 days as restore points of their own and merge the
// 10 before into one; a backup exactly 30 days old is still within; one old backup alone
// has nothing to merge with; when the backups stopped long ago, all merge into the last
// one's state, nothing lost.
func TestMergePlanKeepsTheRetentionsRestorePoints(t *testing.T) {
	t.Parallel()
	ret, err := RetentionOf("svc-loyalty-rewards")
	if err != nil || ret.Days != 30 {
		t.Fatalf("svc-loyalty-rewards keeps %d days (%v), want 30", ret.Days, err)
	}
	start := time.Date(2026, 10, 29, 3, 0, 0, 0, time.UTC)
	backups := daily(start, 40) // Oct 29 .. Dec 7
	now := backups[39].Taken.Add(time.Hour)
	merged := mergePlan(backups, ret.Keep(), now)
	if len(merged) != 10 || merged[0] != backups[0] || merged[9] != backups[9] {
		t.Fatalf("merged %d backups (%v..), want the 10 from Oct 29 to Nov 7", len(merged), merged)
	}
	if kept := len(backups) - len(merged) + 1; kept != 31 {
		t.Errorf("%d restore points after the merge, want 30 days' plus the merged base", kept)
	}
	exactly := backups[9].Taken.Add(ret.Keep()) // backups[9] is exactly 30 days old
	if got := mergePlan(backups, ret.Keep(), exactly); len(got) != 9 {
		t.Errorf("at exactly 30 days: merged %d, want the 9 older ones", len(got))
	}
	if got := mergePlan(backups[:1], ret.Keep(), now); got != nil {
		t.Errorf("one old backup: merged %v, want none", got)
	}
	if got := mergePlan(backups, ret.Keep(), now.AddDate(1, 0, 0)); len(got) != 40 {
		t.Errorf("backups stopped a year ago: merged %d, want all 40 into the newest's state", len(got))
	}
	if got := mergePlan(nil, ret.Keep(), now); got != nil {
		t.Errorf("no backups: merged %v", got)
	}
}

// TestCouchbaseWithoutTheToolSaysWhatToDo: with no cbbackupmgr on PATH nor in
// /opt/couchbase/bin, backup stops on one line naming the tool and where it comes from,
// before creating anything.
func TestCouchbaseWithoutTheToolSaysWhatToDo(t *testing.T) {
	if _, err := os.Stat("/opt/couchbase/bin/cbbackupmgr"); err == nil {
		t.Skip("cbbackupmgr is installed in /opt/couchbase/bin on this host")
	}
	t.Setenv("PATH", t.TempDir())
	c := testCouchbase()
	c.Archive = filepath.Join(t.TempDir(), "couchbase")
	_, err := c.Backup(t.Context())
	if err == nil {
		t.Fatal("backup without cbbackupmgr succeeded")
	}
	msg := err.Error()
	if strings.Contains(msg, "\n") || !strings.Contains(msg, "cbbackupmgr is not on PATH or in /opt/couchbase/bin") ||
		!strings.Contains(msg, "tools package") {
		t.Errorf("error %q, want one line naming cbbackupmgr, where it was looked for and how to get it", msg)
	}
	if _, err := os.Stat(c.Archive); !os.IsNotExist(err) {
		t.Errorf("the archive was created without the tool (%v)", err)
	}
	if _, err := c.Restore(t.Context(), "", false); err == nil || !strings.Contains(err.Error(), "no Couchbase backup") {
		t.Errorf("restore from an empty archive: %v", err)
	}
}

// TestCouchbaseConfiguresARepositoryWithoutItsMeta: a repository directory without the
// backup-meta.json cbbackupmgr config writes (a config that died half-way) is configured
// again before the backup, not taken as configured. cbbackupmgr stands in as a script
// that records its subcommands.
func TestCouchbaseConfiguresARepositoryWithoutItsMeta(t *testing.T) {
	bin := t.TempDir()
	calls := filepath.Join(t.TempDir(), "calls")
	script := "#!/bin/sh\necho \"$1\" >> " + calls + "\n"
	if err := os.WriteFile(filepath.Join(bin, "cbbackupmgr"), []byte(script), 0o700); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin)
	c := testCouchbase()
	c.Archive = filepath.Join(t.TempDir(), "couchbase")
	if err := os.MkdirAll(c.repoDir(), 0o700); err != nil { // left by a config that failed
		t.Fatal(err)
	}
	res, err := c.Backup(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	ran, _ := os.ReadFile(calls)
	if !res.Configured || !strings.HasPrefix(string(ran), "config\nbackup\n") {
		t.Errorf("Configured %v, cbbackupmgr ran %q; want config then backup", res.Configured, ran)
	}
}
