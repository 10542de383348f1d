package backup

import (
	"fmt"
	"os"
	"time"
)

// PruneBases deletes service's base backups in dir that no time within keep before now
// needs, then the archived WAL no kept base backup needs. A base backup goes only when the
// next one also completed before the window: the newest one older than the window stays
// (as RMAN's recovery window keeps it), since restoring to the window's first moment starts
// from it. The newest is always kept, however old.
func PruneBases(dir, service string, keep time.Duration, now time.Time) (removed []Base, wal []string, err error) {
	bases, err := ListBases(dir, service)
	if err != nil || len(bases) == 0 {
		return nil, nil, err
	}
	kept := bases
	for i, b := range bases[:len(bases)-1] {
		if now.Sub(bases[i+1].Taken) <= keep {
			break
		}
		if err := os.RemoveAll(b.Path); err != nil {
			return removed, nil, fmt.Errorf("backup: prune: %w", err)
		}
		removed, kept = append(removed, b), kept[1:]
	}
	from, err := oldestStart(kept)
	if err != nil {
		return removed, nil, err
	}
	wal, err = PruneWAL(WALDir(dir, service), from)
	return removed, wal, err
}

// oldestStart is the lowest start segment position over every kept base backup, whatever
// its timeline. After a restore to a past time the newer timeline's base backups can start
// before an older-timeline one taken earlier, so the oldest by time is not the one to cut at.
func oldestStart(kept []Base) (string, error) {
	var from string
	for _, b := range kept {
		start, err := startSegment(b.Path)
		if err != nil {
			return "", err
		}
		if from == "" || position(start) < position(from) {
			from = start
		}
	}
	return from, nil
}
