package backup

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
)

// A WAL segment's file name is its timeline, then its position as two 8-digit hex numbers
// ("log" and segment within it): 00000001 00000000 0000000A. Names of one width in upper
// case hex, so comparing the last 16 characters orders segments by position.
var segmentName = regexp.MustCompile(`^[0-9A-F]{24}$`)

// partialSuffix marks the segment pg_receivewal is still writing.
const partialSuffix = ".partial"

func isSegment(name string) bool { return segmentName.MatchString(name) }

// position is the part of a segment's name that orders it within and across timelines.
func position(segment string) string { return segment[8:] }

// nextSegment is the segment after seg on the same timeline, for segments of segSize bytes
// (a "log" holds 4 GiB of WAL: 256 segments of 16 MiB).
func nextSegment(seg string, segSize int64) (string, error) {
	log, err1 := strconv.ParseUint(seg[8:16], 16, 32)
	n, err2 := strconv.ParseUint(seg[16:], 16, 32)
	if err := errors.Join(err1, err2); err != nil || segSize <= 0 {
		return "", fmt.Errorf("backup: WAL segment %q (size %d): not a segment name", seg, segSize)
	}
	if n++; n >= uint64(1<<32/segSize) {
		log, n = log+1, 0
	}
	return fmt.Sprintf("%s%08X%08X", seg[:8], log, n), nil
}

// gzSuffix marks a segment pg_receivewal compressed (--compress=gzip): 0000...0A.gz, and
// 0000...0A.gz.partial while it is being written.
const gzSuffix = ".gz"

// archived are the WAL files pg_receivewal wrote into an archive directory: the complete
// segments and the partial ones, each segment name mapped to its file's name.
type archived struct {
	complete map[string]string
	partial  map[string]string
}

func readArchive(dir string) (archived, error) {
	a := archived{complete: map[string]string{}, partial: map[string]string{}}
	entries, err := readDirIfAny(dir)
	if err != nil {
		return a, err
	}
	for _, e := range entries {
		name := e.Name()
		m, seg := a.complete, name
		if s, ok := strings.CutSuffix(seg, partialSuffix); ok {
			m, seg = a.partial, s
		}
		seg = strings.TrimSuffix(seg, gzSuffix)
		// Were one segment there both compressed and not (the archiver restarted with
		// another --compress), either holds the same WAL.
		if isSegment(seg) {
			m[seg] = name
		}
	}
	return a, nil
}

// holdsAfter reports whether the archive holds a segment of seg's timeline (complete or
// partial) positioned after seg.
func (a archived) holdsAfter(seg string) bool {
	for _, m := range []map[string]string{a.complete, a.partial} {
		for name := range m {
			if name[:8] == seg[:8] && position(name) > position(seg) {
				return true
			}
		}
	}
	return false
}

// PruneWAL deletes the archived segments (complete or partial, compressed or not), of any
// timeline, positioned before keepFrom, the lowest start segment of the base backups kept,
// and returns their file names. A base backup starting at a position needs no segment of any
// timeline before it, so every segment from keepFrom on stays, on every timeline: some kept
// base backup may need it. Timeline history files stay too.
func PruneWAL(dir, keepFrom string) ([]string, error) {
	entries, err := readDirIfAny(dir)
	if err != nil {
		return nil, err
	}
	var removed []string
	for _, e := range entries {
		seg := strings.TrimSuffix(strings.TrimSuffix(e.Name(), partialSuffix), gzSuffix)
		if !isSegment(seg) || position(seg) >= position(keepFrom) {
			continue
		}
		if err := os.Remove(filepath.Join(dir, e.Name())); err != nil {
			return removed, fmt.Errorf("backup: prune WAL: %w", err)
		}
		removed = append(removed, e.Name())
	}
	return removed, nil
}
