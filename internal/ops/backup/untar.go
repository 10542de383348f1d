package backup

import (
	"archive/tar"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// untarGz extracts the gzip-compressed tar file src (pg_basebackup's base.tar.gz or
// pg_wal.tar.gz) into dst. Entries naming a path outside dst are refused: a damaged or
// foreign archive must not write anywhere else.
func untarGz(src, dst string) error {
	return eachTarGzEntry(src, func(hdr *tar.Header, r io.Reader) error {
		if !filepath.IsLocal(hdr.Name) {
			return fmt.Errorf("backup: %s: entry %q points outside the data directory", src, hdr.Name)
		}
		if err := extractEntry(r, hdr, filepath.Join(dst, hdr.Name)); err != nil {
			return fmt.Errorf("backup: %s: %s: %w", src, hdr.Name, err)
		}
		return nil
	})
}

// errStopReading ends eachTarGzEntry early without an error.
var errStopReading = errors.New("stop reading")

// eachTarGzEntry calls fn with each entry of the gzip-compressed tar file src and its
// content, in order, until fn returns an error (errStopReading: stop, no error).
func eachTarGzEntry(src string, fn func(*tar.Header, io.Reader) error) error {
	f, err := os.Open(src)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		return fmt.Errorf("backup: %s: %w", src, err)
	}
	tr := tar.NewReader(gz)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("backup: %s: %w", src, err)
		}
		if err := fn(hdr, tr); errors.Is(err, errStopReading) {
			return nil
		} else if err != nil {
			return err
		}
	}
}

// extractEntry writes one tar entry at target. PostgreSQL's own modes are kept for files;
// directories are 0700 as the server wants its data directory.
func extractEntry(r io.Reader, hdr *tar.Header, target string) error {
	switch hdr.Typeflag {
	case tar.TypeDir:
		return os.MkdirAll(target, 0o700)
	case tar.TypeSymlink:
		return os.Symlink(hdr.Linkname, target)
	case tar.TypeReg:
		if err := os.MkdirAll(filepath.Dir(target), 0o700); err != nil {
			return err
		}
		out, err := os.OpenFile(target, os.O_CREATE|os.O_EXCL|os.O_WRONLY, hdr.FileInfo().Mode().Perm())
		if err != nil {
			return err
		}
		if _, err := io.Copy(out, r); err != nil {
			out.Close()
			return err
		}
		return out.Close()
	default:
		return fmt.Errorf("unexpected tar entry type %q", hdr.Typeflag)
	}
}
