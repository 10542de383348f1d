package backup

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// CBBackup is one backup in a cbbackupmgr repository: a directory named by the time it was
// taken, RFC 3339 with '_' for ':' (2026-12-07T03_00_00.123456789Z, ...-08_00).
type CBBackup struct {
	Name  string
	Taken time.Time
}

// parseCBName reads the time from a backup directory's name; ok is false for the
// repository's other entries (backup-meta.json, logs, ...).
func parseCBName(name string) (time.Time, bool) {
	t, err := time.Parse(time.RFC3339Nano, strings.ReplaceAll(name, "_", ":"))
	return t, err == nil
}

// ListCB returns the backups in the repository directory, oldest first; a repository not
// configured yet has none.
func ListCB(repoDir string) ([]CBBackup, error) {
	entries, err := readDirIfAny(repoDir)
	if err != nil {
		return nil, err
	}
	var backups []CBBackup
	for _, e := range entries {
		if t, ok := parseCBName(e.Name()); ok && e.IsDir() {
			backups = append(backups, CBBackup{Name: e.Name(), Taken: t})
		}
	}
	slices.SortFunc(backups, func(a, b CBBackup) int { return a.Taken.Compare(b.Taken) })
	return backups, nil
}

// mergePlan is the retention of a cbbackupmgr repository: the backups (oldest first) taken
// longer than keep before now, to merge into one, or none when fewer than two are. Every
// backup within keep stays a restore point of its own; the older ones become one, the base
// the newer incrementals build on (a repository cannot drop its base, only merge into it),
// holding the state of the last of them. The newest backup is never lost: merged, its state
// is the merge's.
func mergePlan(backups []CBBackup, keep time.Duration, now time.Time) []CBBackup {
	n := 0
	for n < len(backups) && now.Sub(backups[n].Taken) > keep {
		n++
	}
	if n < 2 {
		return nil
	}
	return backups[:n]
}

// pickCB is the backup named name, or the newest when name is "".
func pickCB(backups []CBBackup, name, repoDir string) (CBBackup, error) {
	if len(backups) == 0 {
		return CBBackup{}, fmt.Errorf("backup: no Couchbase backup in %s (novatrek backup makes one)", repoDir)
	}
	if name == "" {
		return backups[len(backups)-1], nil
	}
	for _, b := range backups {
		if b.Name == name {
			return b, nil
		}
	}
	return CBBackup{}, fmt.Errorf("backup: no Couchbase backup named %s in %s", name, repoDir)
}
