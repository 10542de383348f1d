package backup

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// stampLayout is the UTC time in a dump's name: svc-payments-20261207T171500Z.dump.
const stampLayout = "20060102T150405Z"

const suffix = ".dump"

// File is one dump of a service in the backup directory.
type File struct {
	Path    string
	Service string
	Taken   time.Time
}

// fileName names a dump of service taken at t.
func fileName(service string, t time.Time) string {
	return service + "-" + t.UTC().Format(stampLayout) + suffix
}

// parseName reads a dump's service time back from its name; ok is false for any other file.
func parseName(service, name string) (time.Time, bool) {
	stamp, found := strings.CutPrefix(name, service+"-")
	if !found {
		return time.Time{}, false
	}
	stamp, found = strings.CutSuffix(stamp, suffix)
	if !found {
		return time.Time{}, false
	}
	t, err := time.Parse(stampLayout, stamp)
	return t, err == nil
}

// TakenOf is when the dump at path, one of service's by its name, was taken.
func TakenOf(service, path string) (time.Time, bool) {
	return parseName(service, filepath.Base(path))
}

// List returns service's dumps in dir, oldest first; a missing dir has none.
func List(dir, service string) ([]File, error) {
	entries, err := readDirIfAny(dir)
	if err != nil {
		return nil, err
	}
	var files []File
	for _, e := range entries {
		if t, ok := parseName(service, e.Name()); ok && e.Type().IsRegular() {
			files = append(files, File{Path: filepath.Join(dir, e.Name()), Service: service, Taken: t})
		}
	}
	slices.SortFunc(files, func(a, b File) int { return a.Taken.Compare(b.Taken) })
	return files, nil
}

// Latest is service's newest dump in dir.
func Latest(dir, service string) (File, error) {
	files, err := List(dir, service)
	if err != nil {
		return File{}, err
	}
	if len(files) == 0 {
		return File{}, fmt.Errorf("backup: no dump of %s in %s (novatrek backup %s makes one)", service, dir, service)
	}
	return files[len(files)-1], nil
}

// LatestAtOrBefore is service's newest dump in dir taken at or before t: the one to restore
// beside a second store's backup taken at t (Couchbase's, for svc-loyalty-rewards), so the
// offsets it holds are never newer than what that store holds, and the events between are
// re-applied, finding their effects there and booking nothing twice.
func LatestAtOrBefore(dir, service string, t time.Time) (File, error) {
	files, err := List(dir, service)
	if err != nil {
		return File{}, err
	}
	for i := len(files) - 1; i >= 0; i-- {
		if !files[i].Taken.After(t) {
			return files[i], nil
		}
	}
	return File{}, fmt.Errorf("backup: no dump of %s in %s taken at or before %s: the store's offsets would be newer "+
		"than its backup (novatrek backup takes both, the dump first)", service, dir, t.UTC().Format(time.RFC3339))
}

// Prune deletes service's dumps in dir taken longer than keep before now, and returns them.
// The newest dump is always kept, however old: when the daily backups stop, the last one
// must not age away with the others.
func Prune(dir, service string, keep time.Duration, now time.Time) ([]File, error) {
	files, err := List(dir, service)
	if err != nil || len(files) == 0 {
		return nil, err
	}
	var removed []File
	for _, f := range files[:len(files)-1] {
		if now.Sub(f.Taken) <= keep {
			continue
		}
		if err := os.Remove(f.Path); err != nil {
			return removed, fmt.Errorf("backup: prune: %w", err)
		}
		removed = append(removed, f)
	}
	return removed, nil
}
