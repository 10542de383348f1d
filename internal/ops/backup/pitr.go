package backup

import (
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// PITROptions say what to restore to which time, where.
type PITROptions struct {
	Service string
	// Dir is the backup directory: the base backups and the <service>-wal archive.
	Dir string
	// DataDir is the new data directory; it must not exist or be empty.
	DataDir string
	// Target is the time to recover to: every transaction committed by then, none after.
	Target time.Time
	// Timeline is recovery_target_timeline when the archive holds a timeline newer than the
	// base backup's ('current', 'latest' or a number); empty is 'current' when it does not.
	Timeline string
	BinDir   string
}

// PITRResult says what a restore to a point in time used.
type PITRResult struct {
	Base Base
	// Archive is the WAL archive restore_command copies from.
	Archive string
	// FirstWAL and LastWAL are the range of segments recovery can replay: from the base
	// backup's start to the newest one archived without a gap.
	FirstWAL, LastWAL string
	// Partial is set when LastWAL is the segment pg_receivewal was still writing, copied
	// into the data directory's pg_wal (recovery reads it there).
	Partial bool
	// Gap names the first missing segment when the archive holds WAL beyond it, which
	// recovery cannot reach: a target after LastWAL's end cannot be recovered to.
	Gap string
	// Timeline is the recovery_target_timeline set.
	Timeline string
}

// RestoreToTime builds a data directory at DataDir from the newest base backup completed at
// or before Target and the archived WAL after it, set to recover up to Target and then
// promote (PostgreSQL 15: recovery.signal, and restore_command, recovery_target_time,
// recovery_target_timeline and recovery_target_action in postgresql.auto.conf; an archive
// holding a timeline newer than the base backup's is refused unless o.Timeline says which
// to follow). Starting a server on it replays the WAL;
// a Target later than the archive's last commit stops that server with "recovery ended
// before configured recovery target was reached".
func RestoreToTime(ctx context.Context, o PITROptions) (res PITRResult, err error) {
	if err := Physical(o.Service); err != nil {
		return res, err
	}
	archive, err := filepath.Abs(WALDir(o.Dir, o.Service))
	if err != nil {
		return res, fmt.Errorf("restore: %w", err)
	}
	if strings.ContainsAny(archive, "'\"$`\\\n") {
		return res, fmt.Errorf("restore: the WAL archive's path %q holds a quote, $, ` or \\, which restore_command cannot carry", archive)
	}
	res.Archive = archive
	if res.Base, err = baseBefore(o.Dir, o.Service, o.Target); err != nil {
		return res, err
	}
	start, err := startSegment(res.Base.Path)
	if err != nil {
		return res, err
	}
	if res.Timeline, err = recoveryTimeline(archive, start, o.Timeline); err != nil {
		return res, err
	}
	if err := emptyDataDir(o.DataDir); err != nil {
		return res, err
	}
	// A failed restore leaves the directory empty again, ready for the next attempt.
	defer func() {
		if err != nil {
			err = errors.Join(err, emptyOut(o.DataDir))
		}
	}()
	if err := unpackBase(res.Base.Path, o.DataDir); err != nil {
		return res, err
	}
	major, err := dataMajor(o.DataDir)
	if err != nil {
		return res, err
	}
	verify, err := tool(ctx, "pg_verifybackup", o.BinDir, major)
	if err != nil {
		return res, err
	}
	if err := verifyData(ctx, verify, res.Base.Path, o.DataDir); err != nil {
		return res, err
	}
	if err := planWAL(&res, start, o.DataDir, archive); err != nil {
		return res, err
	}
	return res, writeRecovery(o.DataDir, archive, o.Target, res.Timeline)
}

// baseBefore is service's newest base backup completed at or before t. Recovery cannot stop
// before the end of the backup it starts from, so a later one would not do.
func baseBefore(dir, service string, t time.Time) (Base, error) {
	bases, err := ListBases(dir, service)
	if err != nil {
		return Base{}, err
	}
	for i := len(bases) - 1; i >= 0; i-- {
		if !bases[i].Taken.After(t) {
			return bases[i], nil
		}
	}
	if len(bases) == 0 {
		return Base{}, fmt.Errorf("restore: no base backup of %s in %s (novatrek backup %s --base takes one)", service, dir, service)
	}
	return Base{}, fmt.Errorf("restore: no base backup of %s completed at or before %s: the oldest completed at %s",
		service, t.UTC().Format(time.RFC3339), bases[0].Taken.Format(time.RFC3339))
}

// emptyDataDir creates dir (0700, as PostgreSQL wants) or accepts it empty; anything in it
// is refused, so a restore never mixes into or overwrites a cluster.
func emptyDataDir(dir string) error {
	entries, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return fmt.Errorf("restore: %w", err)
		}
		return nil
	case err != nil:
		return fmt.Errorf("restore: --pgdata: %w", err)
	case len(entries) > 0:
		return fmt.Errorf("restore: --pgdata %s is not empty: restore builds a new data directory, give it an empty or new one", dir)
	}
	return os.Chmod(dir, 0o700)
}

// emptyOut removes everything in dir, keeping dir.
func emptyOut(dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("restore: clearing %s after the failure: %w", dir, err)
	}
	for _, e := range entries {
		if err := os.RemoveAll(filepath.Join(dir, e.Name())); err != nil {
			return fmt.Errorf("restore: clearing %s after the failure: %w", dir, err)
		}
	}
	return nil
}

// dataMajor is the PostgreSQL major version of the data directory (its PG_VERSION).
func dataMajor(dir string) (int, error) {
	b, err := os.ReadFile(filepath.Join(dir, "PG_VERSION"))
	if err != nil {
		return 0, fmt.Errorf("restore: %w", err)
	}
	var major int
	if _, err := fmt.Sscanf(string(b), "%d", &major); err != nil {
		return 0, fmt.Errorf("restore: PG_VERSION %q: %w", b, err)
	}
	return major, nil
}

// planWAL finds the WAL recovery can replay: the segments on the base backup's timeline from
// its start segment (start, read from its backup_label) on, each in the backup's own pg_wal or in the archive, up to the first
// missing one. The segment pg_receivewal was writing when the archive was read (.partial) is
// placed in pg_wal under its segment name: restore_command asks the archive for whole
// segments only, and recovery reads pg_wal when the archive has none.
func planWAL(res *PITRResult, start, dataDir, archiveDir string) error {
	pgWAL := filepath.Join(dataDir, "pg_wal")
	segSize, err := segmentSize(pgWAL, start)
	if err != nil {
		return err
	}
	a, err := readArchive(archiveDir)
	if err != nil {
		return err
	}
	have := func(seg string) bool {
		return a.complete[seg] != "" || a.partial[seg] != "" || regularFileAt(filepath.Join(pgWAL, seg))
	}
	res.FirstWAL = start
	for seg := start; have(seg); {
		res.LastWAL = seg
		if seg, err = nextSegment(seg, segSize); err != nil {
			return err
		}
	}
	if a.holdsAfter(res.LastWAL) {
		res.Gap, _ = nextSegment(res.LastWAL, segSize)
	}
	// The archive's partial segment is placed unless the base backup's own pg_wal carries a
	// longer copy of it (placePartial keeps the one holding more WAL).
	partial := a.partial[res.LastWAL]
	if a.complete[res.LastWAL] != "" || partial == "" {
		return nil
	}
	res.Partial = true
	return placePartial(filepath.Join(archiveDir, partial), filepath.Join(pgWAL, res.LastWAL), segSize)
}

// segmentSize is the WAL segment size of the cluster: the size of the base backup's start
// segment in its pg_wal (16 MiB unless initdb was given --wal-segsize).
func segmentSize(pgWAL, start string) (int64, error) {
	fi, err := os.Stat(filepath.Join(pgWAL, start))
	if err != nil {
		return 0, fmt.Errorf("restore: the base backup's start segment: %w", err)
	}
	return fi.Size(), nil
}

// placePartial writes the partial segment src (compressed or not) at dst as a whole
// segment: decompressed, and padded with zeros to segSize, where recovery finds the end of
// the WAL as it does in a segment pg_receivewal wrote uncompressed. A compressed one whose
// archiver died mid-write ends in a cut gzip stream; what it holds up to the cut is kept.
// When dst is there already (the base backup's own pg_wal carries that segment, the archiver
// trailing behind the backup's end), the copy holding more WAL stays.
func placePartial(src, dst string, segSize int64) error {
	in, err := os.Open(src)
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	defer in.Close()
	var r io.Reader = in
	if strings.HasSuffix(src, gzSuffix+partialSuffix) {
		gz, err := gzip.NewReader(in)
		if err != nil {
			return fmt.Errorf("restore: %s: %w", src, err)
		}
		r = gz
	}
	tmp := dst + ".novatrek-partial"
	out, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	n, err := io.Copy(out, io.LimitReader(r, segSize))
	if errors.Is(err, io.ErrUnexpectedEOF) {
		err = nil
	}
	if err == nil && n < segSize {
		err = out.Truncate(segSize)
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = keepLonger(tmp, dst)
	}
	if err != nil {
		return errors.Join(fmt.Errorf("restore: %s: %w", src, err), removeIfAny(tmp))
	}
	return nil
}

// keepLonger moves the segment copy tmp to dst unless dst holds more WAL (its last non-zero
// byte lies further in), in which case tmp goes.
func keepLonger(tmp, dst string) error {
	have, err := walEnd(dst)
	if errors.Is(err, fs.ErrNotExist) {
		return os.Rename(tmp, dst)
	}
	if err != nil {
		return err
	}
	got, err := walEnd(tmp)
	if err != nil {
		return err
	}
	if got >= have {
		return os.Rename(tmp, dst)
	}
	return os.Remove(tmp)
}

// walEnd is the offset just past the last non-zero byte of the segment file at path: how
// much WAL it holds (a segment is zero-filled past its last record).
func walEnd(path string) (int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return 0, err
	}
	buf := make([]byte, 1<<20)
	for end := fi.Size(); end > 0; {
		start := max(end-int64(len(buf)), 0)
		chunk := buf[:end-start]
		if _, err := f.ReadAt(chunk, start); err != nil {
			return 0, err
		}
		for i := len(chunk) - 1; i >= 0; i-- {
			if chunk[i] != 0 {
				return start + int64(i) + 1, nil
			}
		}
		end = start
	}
	return 0, nil
}

func removeIfAny(path string) error {
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

// restoreCommand copies a segment from the archive into place, decompressing one
// pg_receivewal compressed. It fails when the archive has neither, which recovery takes as
// the end of the archive.
func restoreCommand(archive string) string {
	return fmt.Sprintf(`f="%s/%%f"; if [ -f "$f.gz" ]; then gzip -dc "$f.gz" > "%%p"; else cp "$f" "%%p"; fi`, archive)
}

// writeRecovery sets the data directory to recover from the archive along timeline up to
// target and then promote: recovery.signal, and the settings appended to
// postgresql.auto.conf (where a later setting wins over the source cluster's).
func writeRecovery(dataDir, archive string, target time.Time, timeline string) error {
	if err := os.WriteFile(filepath.Join(dataDir, "recovery.signal"), nil, 0o600); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	f, err := os.OpenFile(filepath.Join(dataDir, "postgresql.auto.conf"), os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	_, err = fmt.Fprintf(f, "# point-in-time recovery written by novatrek restore\n"+
		"restore_command = '%s'\nrecovery_target_time = '%s'\nrecovery_target_timeline = '%s'\nrecovery_target_action = 'promote'\n",
		restoreCommand(archive), target.UTC().Format("2006-01-02 15:04:05.999999")+"+00", timeline)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	return nil
}
