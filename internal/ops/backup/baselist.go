package backup

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// Base is one base backup of a service in the backup directory: a directory holding
// pg_basebackup's base.tar.gz, pg_wal.tar.gz and backup_manifest.
type Base struct {
	Path    string
	Service string
	// Taken is when the backup completed (its name's UTC time, rounded up to the second):
	// the earliest time it can be restored to.
	Taken time.Time
}

// baseInfix separates the service from the time in a base backup's name:
// svc-payments-base-20261208T030000Z.
const baseInfix = "-base-"

func baseName(service string, t time.Time) string {
	return service + baseInfix + t.UTC().Format(stampLayout)
}

// ListBases returns service's base backups in dir, oldest first; a missing dir has none.
// A backup still being written or verified (its name ends in .partial) is not one.
func ListBases(dir, service string) ([]Base, error) {
	entries, err := readDirIfAny(dir)
	if err != nil {
		return nil, err
	}
	var bases []Base
	for _, e := range entries {
		stamp, ok := strings.CutPrefix(e.Name(), service+baseInfix)
		if !ok || !e.IsDir() {
			continue
		}
		if t, err := time.Parse(stampLayout, stamp); err == nil {
			bases = append(bases, Base{Path: filepath.Join(dir, e.Name()), Service: service, Taken: t})
		}
	}
	slices.SortFunc(bases, func(a, b Base) int { return a.Taken.Compare(b.Taken) })
	return bases, nil
}

// readDirIfAny lists dir; a directory not made yet (no backup taken) holds nothing.
func readDirIfAny(dir string) ([]os.DirEntry, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	return entries, nil
}

// completedStamp is t rounded up to the second: a base backup named by it is complete at
// the time its name says, never a fraction of a second later.
func completedStamp(t time.Time) time.Time {
	t = t.UTC()
	if s := t.Truncate(time.Second); !s.Equal(t) {
		return s.Add(time.Second)
	}
	return t
}
