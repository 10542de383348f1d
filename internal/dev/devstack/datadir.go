package devstack

import (
	"context"
	"fmt"
	"os"

	"github.com/novatrek/support/internal/platform/config"
)

// prepareDataDir finds what the stack owns from its data dir (stack.json), or names it for a
// new data dir (config.NewDevState), and points the stack at its own database unless
// DatabaseURL was given. With Reset it first removes the data dir, keeping the names it
// recorded so that their database and keys are cleared too. A data dir without stack.json is
// new: the database and keys of those names are cleared as the stores come up (fresh), since
// they can only be left from an earlier data dir at the same path.
func (s *Stack) prepareDataDir(ctx context.Context) error {
	st, ok, err := config.ReadDevState(s.cfg.DataDir)
	if err != nil {
		return fmt.Errorf("devstack: %w", err)
	}
	if !ok {
		if st, err = config.NewDevState(s.cfg.DataDir); err != nil {
			return fmt.Errorf("devstack: %w", err)
		}
	}
	if s.cfg.Reset {
		if err := os.RemoveAll(s.cfg.DataDir); err != nil {
			return fmt.Errorf("devstack: reset: remove data dir %s: %w", s.cfg.DataDir, err)
		}
		s.log.WarnContext(ctx, "reset: removed the data dir (Kafka, registry, the fakes' files and S3 objects, throwaway servers); its database and Valkey keys go next", "dir", s.cfg.DataDir)
		ok = false
	}
	if err := os.MkdirAll(s.cfg.DataDir, 0o755); err != nil {
		return fmt.Errorf("devstack: create data dir %s: %w", s.cfg.DataDir, err)
	}
	s.state, s.fresh = st, !ok
	if s.dbGiven {
		return nil
	}
	s.cfg.DatabaseURL, err = st.DatabaseURL(s.cfg.DatabaseServerURL)
	if err != nil {
		return fmt.Errorf("devstack: %w", err)
	}
	return nil
}

// saveState records the names in the data dir once the stores are cleared and up, so that
// from now on they count as the data dir's own.
func (s *Stack) saveState(context.Context) error {
	if !s.fresh {
		return nil
	}
	if err := s.state.Write(s.cfg.DataDir); err != nil {
		return fmt.Errorf("devstack: %w", err)
	}
	return nil
}
