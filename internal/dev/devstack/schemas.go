package devstack

import (
	"context"
	"fmt"

	"github.com/novatrek/support/internal/ops/subjects"
	"github.com/novatrek/support/schemas"
)

// registerSchemas registers every version of every topic's value schema under
// <topic>-value, oldest first, with the topic's compatibility mode: ids are assigned in
// release order and the registry checks each version against the earlier ones. On a
// restart every version is already there and keeps its id.
func (s *Stack) registerSchemas(ctx context.Context) error {
	cat, err := schemas.Load()
	if err != nil {
		return fmt.Errorf("schemas: %w", err)
	}
	subs, err := subjects.Plan(s.cfg.Topology, cat)
	if err != nil {
		return fmt.Errorf("schemas: %w", err)
	}
	registered, err := subjects.Register(ctx, s.registry, subs, s.log)
	if err != nil {
		return fmt.Errorf("schemas: %w", err)
	}
	s.summary.subjects = len(subs)
	s.log.InfoContext(ctx, "schemas registered", "subjects", len(subs), "versions", len(registered))
	return nil
}
