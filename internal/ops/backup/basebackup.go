package backup

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// BaseOptions say whose cluster to back up and where.
type BaseOptions struct {
	DatabaseURL string
	Service     string
	// Dir is the backup directory, created if missing.
	Dir    string
	BinDir string
}

// BaseResult is the new base backup, what it starts from, and what retention removed.
type BaseResult struct {
	Base Base
	// StartSegment is the first WAL segment a restore of it reads.
	StartSegment string
	Retention    Retention
	Pruned       []Base
	PrunedWAL    []string
}

// BaseBackup takes a base backup of the whole cluster at DatabaseURL with pg_basebackup —
// tar format, gzip-compressed, with the WAL it needs streamed into it and a manifest —
// verifies it with pg_verifybackup, and only then names it <service>-base-<UTC time it
// completed>. Then it prunes the base backups past the service's retention (the newest is
// always kept) and the archived WAL no kept base backup needs.
//
// It asks for a fast checkpoint: payments' cluster is small, and a backup waiting up to
// checkpoint_timeout for the next scheduled one would only delay the daily job.
func BaseBackup(ctx context.Context, o BaseOptions) (BaseResult, error) {
	if err := Physical(o.Service); err != nil {
		return BaseResult{}, err
	}
	ret, err := RetentionOf(o.Service)
	if err != nil {
		return BaseResult{}, err
	}
	major, err := replicationServer(ctx, o.DatabaseURL)
	if err != nil {
		return BaseResult{}, err
	}
	basebackup, err := tool(ctx, "pg_basebackup", o.BinDir, major)
	if err != nil {
		return BaseResult{}, err
	}
	verify, err := tool(ctx, "pg_verifybackup", o.BinDir, major)
	if err != nil {
		return BaseResult{}, err
	}
	if err := os.MkdirAll(o.Dir, 0o700); err != nil {
		return BaseResult{}, fmt.Errorf("base backup: %w", err)
	}
	// Written and verified under a .partial name: a failed backup never looks like one to
	// ListBases, restore or the retention.
	partial, err := os.MkdirTemp(o.Dir, o.Service+baseInfix+"*"+partialSuffix)
	if err != nil {
		return BaseResult{}, fmt.Errorf("base backup: %w", err)
	}
	label := "novatrek " + o.Service + " " + time.Now().UTC().Format(time.RFC3339)
	err = run(ctx, basebackup, o.DatabaseURL, "--pgdata="+partial, "--format=tar", "--gzip", "--wal-method=stream",
		"--checkpoint=fast", "--no-password", "--label="+label)
	if err == nil {
		err = verifyBase(ctx, verify, partial)
	}
	var start string
	if err == nil {
		start, err = startSegment(partial)
	}
	if err != nil {
		_ = os.RemoveAll(partial)
		return BaseResult{}, err
	}
	now := time.Now()
	b := Base{Path: filepath.Join(o.Dir, baseName(o.Service, completedStamp(now))), Service: o.Service, Taken: completedStamp(now)}
	if err := os.Rename(partial, b.Path); err != nil {
		// Another base backup completed in the same second holds the name.
		_ = os.RemoveAll(partial)
		return BaseResult{}, fmt.Errorf("base backup: %w", err)
	}
	res := BaseResult{Base: b, StartSegment: start, Retention: ret}
	res.Pruned, res.PrunedWAL, err = PruneBases(o.Dir, o.Service, ret.Keep(), now)
	return res, err
}
