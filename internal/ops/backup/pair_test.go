package backup_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/novatrek/support/internal/ops/backup"
)

// TestLatestAtOrBeforePairsADumpWithASecondStore: the dump restored beside a Couchbase
// backup is the newest taken at or before it (its offsets never newer than the ledger);
// none that old is an error saying why.
func TestLatestAtOrBeforePairsADumpWithASecondStore(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, name := range []string{"svc-loyalty-rewards-20261205T030000Z.dump", "svc-loyalty-rewards-20261206T030000Z.dump",
		"svc-loyalty-rewards-20261207T030000Z.dump", "svc-reviews-20261206T040000Z.dump"} {
		if err := os.WriteFile(filepath.Join(dir, name), nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	cb := time.Date(2026, 12, 6, 3, 0, 2, 0, time.UTC) // the Couchbase backup two seconds after the dump
	f, err := backup.LatestAtOrBefore(dir, "svc-loyalty-rewards", cb)
	if err != nil || filepath.Base(f.Path) != "svc-loyalty-rewards-20261206T030000Z.dump" {
		t.Errorf("paired %v (%v), want the dump of Dec 6 03:00", f.Path, err)
	}
	same := time.Date(2026, 12, 7, 3, 0, 0, 0, time.UTC)
	if f, err := backup.LatestAtOrBefore(dir, "svc-loyalty-rewards", same); err != nil || !f.Taken.Equal(same) {
		t.Errorf("a dump taken at the same second: %v (%v)", f.Path, err)
	}
	if _, err := backup.LatestAtOrBefore(dir, "svc-loyalty-rewards", time.Date(2026, 12, 5, 2, 0, 0, 0, time.UTC)); err == nil ||
		!strings.Contains(err.Error(), "taken at or before 2026-12-05T02:00:00Z") {
		t.Errorf("no dump old enough: %v", err)
	}
}
