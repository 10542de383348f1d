package devstack

import (
	"context"
	"fmt"

	"github.com/twmb/franz-go/pkg/kadm"

	"github.com/novatrek/support/internal/ops/topicplan"
)

// createTopics makes the cluster match topics.yaml as far as it safely can: missing topics
// are created and grown, managed configs set; nothing is deleted or shrunk, so a restart
// keeps whatever a developer added. `novatrek topics plan` shows any remaining drift.
func (s *Stack) createTopics(ctx context.Context) error {
	plan, err := topicplan.Sync(ctx, kadm.NewClient(s.kcl), s.cfg.Topology, topicplan.Options{Logger: s.log})
	if err != nil {
		return fmt.Errorf("topics: %w", err)
	}
	s.summary.topics = len(s.cfg.Topology.Topics)
	s.log.InfoContext(ctx, "topics ready", "declared", len(s.cfg.Topology.Topics), "changes", len(plan.Pending()), "left_alone", len(plan.Blocked()))
	return nil
}
