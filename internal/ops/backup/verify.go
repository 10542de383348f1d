package backup

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

// unpackBase builds a data directory at dst from the base backup in dir: base.tar.gz, and
// pg_wal.tar.gz into its pg_wal (the WAL from the backup's start to its end, without which
// it is not consistent). A backup of a cluster with tablespaces has more archives, which
// this does not place, so it is refused rather than restored incomplete.
func unpackBase(dir, dst string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	for _, e := range entries {
		if n := e.Name(); n != "base.tar.gz" && n != "pg_wal.tar.gz" && n != "backup_manifest" {
			return fmt.Errorf("backup: %s holds %s: a tablespace or a file not from pg_basebackup, which restore does not place", dir, n)
		}
	}
	if err := untarGz(filepath.Join(dir, "base.tar.gz"), dst); err != nil {
		return err
	}
	return untarGz(filepath.Join(dir, "pg_wal.tar.gz"), filepath.Join(dst, "pg_wal"))
}

// verifyData checks the data directory dst, unpacked from the base backup in dir, against
// the backup's manifest with pg_verifybackup: every file's size and checksum, and that the
// WAL from the backup's start to its end is there and parses.
func verifyData(ctx context.Context, verify, dir, dst string) error {
	cmd := exec.CommandContext(ctx, verify, "--quiet", "--manifest-path="+filepath.Join(dir, "backup_manifest"), dst)
	return runCommand(cmd)
}

// verifyBase unpacks the base backup in dir into a scratch directory beside it and verifies
// it (pg_verifybackup of PostgreSQL 15 reads only a plain data directory, not the tar
// files), then removes the scratch copy.
func verifyBase(ctx context.Context, verify, dir string) error {
	scratch, err := os.MkdirTemp(filepath.Dir(dir), ".verify-*")
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	defer os.RemoveAll(scratch)
	if err := unpackBase(dir, scratch); err != nil {
		return err
	}
	return verifyData(ctx, verify, dir, scratch)
}
