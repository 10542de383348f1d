package devstack

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
)

// fakesDir is where the fakes keep their files in the data dir: the S3 server's buckets
// (s3/) and the files their clients read. Being inside the data dir, it survives a restart
// and goes with rm -rf or --reset like Kafka and the registry.
const fakesDir = "fakes"

// startFakes runs Config.Fakes on <DataDir>/fakes, once prepareDataDir has reset the data
// dir: starting them earlier (as the dev command once did) let --reset delete the S3
// server's directory from under it.
func (s *Stack) startFakes(ctx context.Context) error {
	if s.cfg.Fakes == nil {
		return nil
	}
	dir := filepath.Join(s.cfg.DataDir, fakesDir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("devstack: fakes: %w", err)
	}
	stop, err := s.cfg.Fakes(ctx, dir)
	if err != nil {
		return fmt.Errorf("devstack: fakes: %w", err)
	}
	s.onClose("fakes", stop)
	s.log.InfoContext(ctx, "fakes started", "data", dir)
	return nil
}
