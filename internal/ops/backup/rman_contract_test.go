package backup_test

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/novatrek/support/internal/ops/backup"
)

// TestRMANContract runs the day's RMAN script for real: only on an Oracle database host,
// as its oracle OS user (ORACLE_SID and ORACLE_HOME set, rman on PATH, the database in
// ARCHIVELOG mode), with ORACLE_DSN set as the service has it. A level 0 backup, then a
// level 1, both finishing, with the 90-day policy in force.
func TestRMANContract(t *testing.T) {
	if os.Getenv("ORACLE_DSN") == "" || os.Getenv("ORACLE_SID") == "" {
		t.Skip("ORACLE_DSN or ORACLE_SID is not set: RMAN runs on the Oracle database host as the oracle OS user")
	}
	if _, err := exec.LookPath("rman"); err != nil {
		t.Skip("rman is not on PATH: RMAN runs on the Oracle database host")
	}
	dir := t.TempDir()
	for _, level := range []int{0, 1} {
		res, err := backup.RMAN{Dir: dir, Service: "svc-analytics", Level: level}.Backup(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		log, err := os.ReadFile(res.Log)
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"Finished backup", "RECOVERY WINDOW OF 90 DAYS"} {
			if !res.Ran || !strings.Contains(string(log), want) {
				t.Errorf("level %d: ran %v, log without %q:\n%s", level, res.Ran, want, log)
			}
		}
	}
}
