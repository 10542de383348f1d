package backup

import (
	"fmt"
	"os"
	"time"
)

// PruneBases deletes service's base backups in dir completed longer than keep before now
// (the newest is always kept, however old), then the archived WAL positioned before the
// oldest kept base backup's start segment: never a segment a kept base backup needs.
func PruneBases(dir, service string, keep time.Duration, now time.Time) (removed []Base, wal []string, err error) {
	bases, err := ListBases(dir, service)
	if err != nil || len(bases) == 0 {
		return nil, nil, err
	}
	kept := bases
	for _, b := range bases[:len(bases)-1] {
		if now.Sub(b.Taken) <= keep {
			break
		}
		if err := os.RemoveAll(b.Path); err != nil {
			return removed, nil, fmt.Errorf("backup: prune: %w", err)
		}
		removed, kept = append(removed, b), kept[1:]
	}
	from, err := startSegment(kept[0].Path)
	if err != nil {
		return removed, nil, err
	}
	wal, err = PruneWAL(WALDir(dir, service), from)
	return removed, wal, err
}
