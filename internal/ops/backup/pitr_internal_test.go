package backup

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

const segSize = 16 << 20

// writeBase makes a base backup directory in dir named for service at taken, whose
// base.tar.gz holds a backup_label starting at segment start (the only part of the tar the
// retention and the WAL plan read).
func writeBase(t *testing.T, dir, service string, taken time.Time, start string) string {
	t.Helper()
	path := filepath.Join(dir, baseName(service, taken))
	if err := os.MkdirAll(path, 0o700); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(filepath.Join(path, "base.tar.gz"))
	if err != nil {
		t.Fatal(err)
	}
	gz := gzip.NewWriter(f)
	tw := tar.NewWriter(gz)
	label := "START WAL LOCATION: 0/2000028 (file " + start + ")\nCHECKPOINT LOCATION: 0/2000060\nSTART TIMELINE: 1\n"
	if err := tw.WriteHeader(&tar.Header{Name: "backup_label", Mode: 0o600, Size: int64(len(label)), Typeflag: tar.TypeReg}); err != nil {
		t.Fatal(err)
	}
	if _, err := tw.Write([]byte(label)); err != nil {
		t.Fatal(err)
	}
	for _, c := range []interface{ Close() error }{tw, gz, f} {
		if err := c.Close(); err != nil {
			t.Fatal(err)
		}
	}
	return path
}

// walBytes stand for the WAL a compressed partial segment holds.
var walBytes = []byte("WAL records so far")

func writeGzip(t *testing.T, path string, content []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	if _, err := gz.Write(content); err != nil {
		t.Fatal(err)
	}
	if err := gz.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
}

// touchSegment writes an archived segment of full size (sparse) at dir/name.
func touchSegment(t *testing.T, dir, name string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(segSize); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

func names(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	return out
}

// TestPruneBasesKeepsTheWALAKeptBaseNeeds: base backups past the retention go, except the
// newest one older than the window (restoring to the window's first moment starts from it);
// the newest stays however old, and the archived WAL goes only below the oldest kept
// backup's start.
func TestPruneBasesKeepsTheWALAKeptBaseNeeds(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	wal := WALDir(dir, "svc-payments")
	now := time.Date(2026, 12, 8, 3, 0, 0, 0, time.UTC)
	writeBase(t, dir, "svc-payments", now.AddDate(0, 0, -12), "000000010000000000000002")
	writeBase(t, dir, "svc-payments", now.AddDate(0, 0, -8), "000000010000000000000005")
	writeBase(t, dir, "svc-payments", now.AddDate(0, 0, -1), "0000000100000000000000FE")
	for _, seg := range []string{"000000010000000000000002", "000000010000000000000003", "000000010000000000000004",
		"000000010000000000000005", "0000000100000000000000FE", "000000010000000100000000"} {
		touchSegment(t, wal, seg)
	}
	touchSegment(t, wal, "000000010000000000000004.partial") // an interrupted archiver's leftover
	touchSegment(t, wal, "000000010000000000000003.gz")      // the same WAL from a run with --compress
	touchSegment(t, wal, "000000010000000100000001.gz.partial")
	touchSegment(t, wal, "00000002.history")

	removed, prunedWAL, err := PruneBases(dir, "svc-payments", 7*24*time.Hour, now)
	if err != nil {
		t.Fatal(err)
	}
	if len(removed) != 1 || !removed[0].Taken.Equal(now.AddDate(0, 0, -12)) {
		t.Errorf("pruned base backups %v, want only the one of 12 days ago (8 days ago's is the start for 7 days ago)", removed)
	}
	if base, err := baseBefore(dir, "svc-payments", now.AddDate(0, 0, -7)); err != nil || !base.Taken.Equal(now.AddDate(0, 0, -8)) {
		t.Errorf("the window's first moment restores from %v (%v), want the base backup of 8 days ago", base.Taken, err)
	}
	if want := []string{"000000010000000000000002", "000000010000000000000003", "000000010000000000000003.gz",
		"000000010000000000000004", "000000010000000000000004.partial"}; !slices.Equal(prunedWAL, want) {
		t.Errorf("pruned WAL %v, want %v (below the oldest kept backup's start, 05)", prunedWAL, want)
	}
	if got, want := names(t, wal), []string{"000000010000000000000005", "0000000100000000000000FE", "000000010000000100000000",
		"000000010000000100000001.gz.partial", "00000002.history"}; !slices.Equal(got, want) {
		t.Errorf("WAL left %v, want %v", got, want)
	}

	// Backups stopped a year ago: the newest base backup and every segment from its start stay.
	removed, prunedWAL, err = PruneBases(dir, "svc-payments", 7*24*time.Hour, now.AddDate(1, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	if len(removed) != 1 || !removed[0].Taken.Equal(now.AddDate(0, 0, -8)) {
		t.Errorf("a year later pruned %v, want all but the newest", removed)
	}
	if want := []string{"000000010000000000000005"}; !slices.Equal(prunedWAL, want) {
		t.Errorf("a year later pruned WAL %v, want %v", prunedWAL, want)
	}
	if bases, _ := ListBases(dir, "svc-payments"); len(bases) != 1 {
		t.Errorf("%d base backups left, want the newest", len(bases))
	}
}

// TestPruneBasesAfterARestoreKeepsTheNewTimelinesWAL: timeline 1 ran on to segment 10 and
// had a base backup there; a restore to a past time forked timeline 2 at segment 05, whose
// base backup starts at 08. Cutting at the oldest kept backup by time (timeline 1's, at 10)
// would delete timeline 2's 08 and 09, which its base backup needs.
func TestPruneBasesAfterARestoreKeepsTheNewTimelinesWAL(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	wal := WALDir(dir, "svc-payments")
	now := time.Date(2026, 12, 8, 3, 0, 0, 0, time.UTC)
	writeBase(t, dir, "svc-payments", now.AddDate(0, 0, -3), "000000010000000000000010")
	writeBase(t, dir, "svc-payments", now.AddDate(0, 0, -1), "000000020000000000000008")
	for _, seg := range []string{"000000010000000000000007", "000000010000000000000010", "000000010000000000000011",
		"000000020000000000000005", "000000020000000000000008", "000000020000000000000009"} {
		touchSegment(t, wal, seg)
	}
	touchSegment(t, wal, "00000002.history")
	_, prunedWAL, err := PruneBases(dir, "svc-payments", 7*24*time.Hour, now)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"000000010000000000000007", "000000020000000000000005"}; !slices.Equal(prunedWAL, want) {
		t.Errorf("pruned WAL %v, want %v (below timeline 2's base backup's start, 08, on every timeline)", prunedWAL, want)
	}
}

// TestNextSegmentCrossesALog: with 16 MiB segments a log holds 256 (…FF is followed by the
// next log's 00); with 1 GiB segments, 4.
func TestNextSegmentCrossesALog(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		seg  string
		size int64
		want string
	}{
		{"000000010000000000000009", segSize, "00000001000000000000000A"},
		{"0000000100000000000000FF", segSize, "000000010000000100000000"},
		{"000000030000000200000003", 1 << 30, "000000030000000300000000"},
	} {
		if got, err := nextSegment(c.seg, c.size); err != nil || got != c.want {
			t.Errorf("nextSegment(%s, %d) = %s, %v; want %s", c.seg, c.size, got, err, c.want)
		}
	}
}

// TestPlanWALStopsAtAGapAndUsesThePartialSegment: the plan runs from the base backup's start
// through its own pg_wal and the archive to the first missing segment, says which one is
// missing when the archive holds WAL past it, and copies a partial last segment into pg_wal.
func TestPlanWALStopsAtAGapAndUsesThePartialSegment(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name    string
		archive []string
		last    string
		gap     string
		partial bool
		inPGWAL []string
	}{
		{name: "continuous, ending in a partial segment",
			archive: []string{"000000010000000000000003", "000000010000000000000004", "000000010000000000000005.partial"},
			last:    "000000010000000000000005", partial: true,
			inPGWAL: []string{"000000010000000000000002", "000000010000000000000005"}},
		{name: "compressed, ending in a partial segment",
			archive: []string{"000000010000000000000003.gz", "000000010000000000000004.gz.partial"},
			last:    "000000010000000000000004", partial: true,
			inPGWAL: []string{"000000010000000000000002", "000000010000000000000004"}},
		{name: "a segment missing",
			archive: []string{"000000010000000000000003", "000000010000000000000005", "000000010000000000000006.partial"},
			last:    "000000010000000000000003", gap: "000000010000000000000004",
			inPGWAL: []string{"000000010000000000000002"}},
		{name: "complete and partial copies of the last segment",
			archive: []string{"000000010000000000000003", "000000010000000000000003.partial"},
			last:    "000000010000000000000003",
			inPGWAL: []string{"000000010000000000000002"}},
		{name: "no archive: the base backup alone",
			last:    "000000010000000000000002",
			inPGWAL: []string{"000000010000000000000002"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			dir, data := t.TempDir(), t.TempDir()
			base := writeBase(t, dir, "svc-payments", time.Now(), "000000010000000000000002")
			touchSegment(t, filepath.Join(data, "pg_wal"), "000000010000000000000002")
			archive := WALDir(dir, "svc-payments")
			for _, name := range c.archive {
				if strings.HasSuffix(name, ".gz.partial") {
					writeGzip(t, filepath.Join(archive, name), walBytes)
				} else {
					touchSegment(t, archive, name)
				}
			}
			res := PITRResult{Base: Base{Path: base}}
			start, err := startSegment(base)
			if err != nil {
				t.Fatal(err)
			}
			if err := planWAL(&res, start, data, archive); err != nil {
				t.Fatal(err)
			}
			if res.FirstWAL != "000000010000000000000002" || res.LastWAL != c.last || res.Gap != c.gap || res.Partial != c.partial {
				t.Errorf("plan %s..%s gap %q partial %v; want ..%s gap %q partial %v", res.FirstWAL, res.LastWAL, res.Gap, res.Partial, c.last, c.gap, c.partial)
			}
			if got := names(t, filepath.Join(data, "pg_wal")); !slices.Equal(got, c.inPGWAL) {
				t.Errorf("pg_wal holds %v, want %v", got, c.inPGWAL)
			}
			if !c.partial {
				return
			}
			placed, err := os.ReadFile(filepath.Join(data, "pg_wal", c.last))
			if err != nil {
				t.Fatal(err)
			}
			if len(placed) != segSize || (strings.HasSuffix(c.archive[len(c.archive)-1], ".gz.partial") && !bytes.HasPrefix(placed, walBytes)) {
				t.Errorf("the partial segment placed in pg_wal is %d bytes beginning %q, want %d beginning with what the archiver wrote",
					len(placed), placed[:min(len(placed), 16)], segSize)
			}
		})
	}
}

// TestReplicationProblemNamesTheSetting: each missing server setting or right is one line
// naming it and its fix.
func TestReplicationProblemNamesTheSetting(t *testing.T) {
	t.Parallel()
	ok := replicationSettings{walLevel: "replica", maxWALSenders: 10, maxReplicationSlots: 10, role: "backup", canReplicate: true}
	if err := ok.problem(); err != nil {
		t.Fatalf("PostgreSQL 15's defaults: %v", err)
	}
	for _, c := range []struct {
		change func(*replicationSettings)
		want   string
	}{
		{func(s *replicationSettings) { s.walLevel = "minimal" }, "wal_level is minimal"},
		{func(s *replicationSettings) { s.maxWALSenders = 0 }, "max_wal_senders is 0"},
		{func(s *replicationSettings) { s.maxReplicationSlots = 0 }, "max_replication_slots is 0"},
		{func(s *replicationSettings) { s.canReplicate = false }, "role backup lacks the REPLICATION right"},
	} {
		s := ok
		c.change(&s)
		err := s.problem()
		if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%+v: %v; want one line with %q", s, err, c.want)
		}
	}
}

// TestRestoreToTimeRefusesWhatItCannotDo: no base backup completed by the target, a data
// directory that holds anything, and an archive path restore_command cannot carry are each
// refused with the reason, before anything is written.
func TestRestoreToTimeRefusesWhatItCannotDo(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	taken := time.Date(2026, 12, 8, 3, 0, 0, 0, time.UTC)
	writeBase(t, dir, "svc-payments", taken, "000000010000000000000002")

	data := filepath.Join(t.TempDir(), "data")
	_, err := RestoreToTime(ctx, PITROptions{Service: "svc-payments", Dir: dir, DataDir: data, Target: taken.Add(-time.Minute)})
	if err == nil || !strings.Contains(err.Error(), "no base backup of svc-payments completed at or before 2026-12-08T02:59:00Z: the oldest completed at 2026-12-08T03:00:00Z") {
		t.Errorf("target before the only base backup: %v", err)
	}
	if _, err := os.Stat(data); !os.IsNotExist(err) {
		t.Errorf("the refused restore made the data directory (%v)", err)
	}

	busy := t.TempDir()
	if err := os.WriteFile(filepath.Join(busy, "PG_VERSION"), []byte("15\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = RestoreToTime(ctx, PITROptions{Service: "svc-payments", Dir: dir, DataDir: busy, Target: taken.Add(time.Hour)})
	if err == nil || !strings.Contains(err.Error(), "--pgdata "+busy+" is not empty") {
		t.Errorf("restore into a data directory in use: %v", err)
	}
	if got := names(t, busy); !slices.Equal(got, []string{"PG_VERSION"}) {
		t.Errorf("the refused restore wrote into it: %v", got)
	}

	forked := t.TempDir()
	writeBase(t, forked, "svc-payments", taken, "000000010000000000000002")
	touchSegment(t, WALDir(forked, "svc-payments"), "00000002.history")
	_, err = RestoreToTime(ctx, PITROptions{Service: "svc-payments", Dir: forked, DataDir: data, Target: taken.Add(time.Hour)})
	if err == nil || !strings.Contains(err.Error(), "--timeline current (timeline 1) or --timeline latest (2)") {
		t.Errorf("a base backup on timeline 1 with timeline 2 in the archive: %v", err)
	}
	if _, err := os.Stat(data); !os.IsNotExist(err) {
		t.Errorf("the refused restore made the data directory (%v)", err)
	}

	quoted := filepath.Join(t.TempDir(), "it's")
	writeBase(t, quoted, "svc-payments", taken, "000000010000000000000002")
	_, err = RestoreToTime(ctx, PITROptions{Service: "svc-payments", Dir: quoted, DataDir: data, Target: taken.Add(time.Hour)})
	if err == nil || !strings.Contains(err.Error(), "restore_command cannot carry") {
		t.Errorf("an archive path with a quote: %v", err)
	}
}

// TestFailedRestoreLeavesTheDataDirectoryEmpty: a base backup missing its pg_wal.tar.gz
// fails the restore with the reason, and what was unpacked is removed, so the next attempt
// is not refused as a non-empty data directory.
func TestFailedRestoreLeavesTheDataDirectoryEmpty(t *testing.T) {
	t.Parallel()
	dir, data := t.TempDir(), t.TempDir()
	taken := time.Date(2026, 12, 8, 3, 0, 0, 0, time.UTC)
	writeBase(t, dir, "svc-payments", taken, "000000010000000000000002")
	_, err := RestoreToTime(context.Background(), PITROptions{Service: "svc-payments", Dir: dir, DataDir: data, Target: taken})
	if err == nil || !strings.Contains(err.Error(), "pg_wal.tar.gz") {
		t.Fatalf("restore of a base backup without its WAL: %v", err)
	}
	if got := names(t, data); len(got) != 0 {
		t.Errorf("the failed restore left %v in the data directory", got)
	}
}

// TestPlacePartialOfACutGzipStream: an archiver that died mid-segment leaves a gzip stream
// without its end; what it flushed before (pg_receivewal --synchronous flushes each piece)
// is placed, padded to a whole segment.
func TestPlacePartialOfACutGzipStream(t *testing.T) {
	t.Parallel()
	flushed := bytes.Repeat([]byte("flushed WAL "), 4096)
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	if _, err := gz.Write(flushed); err != nil {
		t.Fatal(err)
	}
	if err := gz.Flush(); err != nil {
		t.Fatal(err)
	}
	cut := buf.Len()
	if _, err := gz.Write(bytes.Repeat([]byte("never flushed "), 4096)); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	src := filepath.Join(dir, "000000010000000000000007.gz.partial")
	if err := os.WriteFile(src, buf.Bytes()[:cut], 0o600); err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(dir, "000000010000000000000007")
	if err := placePartial(src, dst, segSize); err != nil {
		t.Fatal(err)
	}
	placed, err := os.ReadFile(dst)
	if err != nil {
		t.Fatal(err)
	}
	if len(placed) != segSize || !bytes.HasPrefix(placed, flushed) || bytes.Contains(placed, []byte("never")) {
		t.Errorf("placed %d bytes, want the %d flushed ones padded to %d", len(placed), len(flushed), segSize)
	}
}

// TestPlacePartialKeepsTheLongerCopy: the base backup's own pg_wal can carry its end segment
// further than the archiver had got (catching up); the copy holding more WAL stays, whichever
// it is.
func TestPlacePartialKeepsTheLongerCopy(t *testing.T) {
	t.Parallel()
	short, long := bytes.Repeat([]byte("w"), 1000), bytes.Repeat([]byte("W"), 300_000)
	for _, c := range []struct {
		name              string
		inPGWAL, archived []byte
	}{
		{name: "pg_wal's copy is longer", inPGWAL: long, archived: short},
		{name: "the archive's copy is longer", inPGWAL: short, archived: long},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			dst := filepath.Join(dir, "000000010000000000000007")
			if err := os.WriteFile(dst, append(slices.Clone(c.inPGWAL), make([]byte, segSize-len(c.inPGWAL))...), 0o600); err != nil {
				t.Fatal(err)
			}
			src := filepath.Join(dir, "000000010000000000000007.gz.partial")
			writeGzip(t, src, c.archived)
			if err := placePartial(src, dst, segSize); err != nil {
				t.Fatal(err)
			}
			placed, err := os.ReadFile(dst)
			if err != nil {
				t.Fatal(err)
			}
			want := max(len(c.inPGWAL), len(c.archived))
			if len(placed) != segSize || bytes.IndexByte(placed, 0) != want {
				t.Errorf("placed %d bytes holding %d of WAL, want %d holding the longer copy's %d", len(placed), bytes.IndexByte(placed, 0), segSize, want)
			}
			if got := names(t, dir); !slices.Equal(got, []string{"000000010000000000000007", "000000010000000000000007.gz.partial"}) {
				t.Errorf("left %v, want the segment and the archive's file only", got)
			}
		})
	}
}

// TestRecoveryTimelineRefusesTheAmbiguousCase: after a restore promoted a cluster (a newer
// timeline's history in the archive), a time on a base backup of the older timeline may lie
// on either; restore refuses unless told, and otherwise pins the base backup's own timeline
// (PostgreSQL 15's default, latest, would follow a later fork silently).
func TestRecoveryTimelineRefusesTheAmbiguousCase(t *testing.T) {
	t.Parallel()
	archive := t.TempDir()
	const onOne, onTwo = "000000010000000000000002", "000000020000000000000008"
	if got, err := recoveryTimeline(archive, onOne, ""); err != nil || got != "current" {
		t.Errorf("one timeline: %q, %v; want current", got, err)
	}
	touchSegment(t, archive, "00000002.history")
	_, err := recoveryTimeline(archive, onOne, "")
	if err == nil || !strings.Contains(err.Error(), "the base backup is on timeline 1 but the archive holds timeline 2's history") ||
		!strings.Contains(err.Error(), "--timeline") {
		t.Errorf("a base backup on timeline 1 with timeline 2 in the archive: %v", err)
	}
	for chosen, want := range map[string]string{"latest": "latest", "current": "current", "2": "2"} {
		if got, err := recoveryTimeline(archive, onOne, chosen); err != nil || got != want {
			t.Errorf("--timeline %s: %q, %v", chosen, got, err)
		}
	}
	if _, err := recoveryTimeline(archive, onOne, "newest"); err == nil || !strings.Contains(err.Error(), `--timeline "newest"`) {
		t.Errorf("--timeline newest: %v", err)
	}
	if got, err := recoveryTimeline(archive, onTwo, ""); err != nil || got != "current" {
		t.Errorf("a base backup on the newest timeline: %q, %v; want current", got, err)
	}

	data := t.TempDir()
	if err := os.WriteFile(filepath.Join(data, "postgresql.auto.conf"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := writeRecovery(data, archive, time.Date(2026, 12, 8, 2, 15, 0, 0, time.UTC), "current"); err != nil {
		t.Fatal(err)
	}
	if conf, err := os.ReadFile(filepath.Join(data, "postgresql.auto.conf")); err != nil || !strings.Contains(string(conf), "recovery_target_timeline = 'current'\n") {
		t.Errorf("postgresql.auto.conf %q (%v) sets no recovery_target_timeline", conf, err)
	}
}
