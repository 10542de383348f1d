package backup

import (
	"archive/tar"
	"bufio"
	"fmt"
	"io"
	"path/filepath"
	"regexp"
)

// startSegment is the WAL segment a base backup starts in, read from the backup_label in
// its base.tar.gz ("START WAL LOCATION: 0/2000028 (file 000000010000000000000002)"):
// restoring it needs that segment and every one after it, so the WAL retention keeps them.
// pg_basebackup writes backup_label first in the archive, so this reads little of it.
func startSegment(base string) (string, error) {
	path := filepath.Join(base, "base.tar.gz")
	var seg string
	err := eachTarGzEntry(path, func(hdr *tar.Header, r io.Reader) error {
		if hdr.Name != "backup_label" {
			return nil
		}
		var err error
		if seg, err = labelSegment(r, path); err != nil {
			return err
		}
		return errStopReading
	})
	if err == nil && seg == "" {
		err = fmt.Errorf("backup: %s holds no backup_label: not a pg_basebackup archive", path)
	}
	return seg, err
}

var startLine = regexp.MustCompile(`^START WAL LOCATION: \S+ \(file ([0-9A-F]{24})\)$`)

func labelSegment(r io.Reader, path string) (string, error) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		if m := startLine.FindStringSubmatch(sc.Text()); m != nil {
			return m[1], nil
		}
	}
	if err := sc.Err(); err != nil {
		return "", fmt.Errorf("backup: %s: backup_label: %w", path, err)
	}
	return "", fmt.Errorf("backup: %s: backup_label has no START WAL LOCATION line", path)
}
