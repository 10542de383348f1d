package offsetreset

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/novatrek/support/internal/platform/service"
	"github.com/novatrek/support/internal/platform/stream"
)

// Reset is a planned reset to carry out.
type Reset struct {
	Group  string
	Topics []string
	Rows   []Row
	// Service is the group's service when it is one of ours (ServiceOf), with Pool its
	// database: its stored offsets move in one transaction, and Rebuild first empties its
	// derived tables and inbox. Nil for another group: Kafka offsets only.
	Service *service.Description
	Pool    *pgxpool.Pool
	Rebuild bool
	// Recheck runs last before offsets are written and refuses (returns an error) when the
	// group has live members again; default RefuseLiveMembers.
	Recheck func(ctx context.Context, adm *kadm.Client, group string) error
}

// Result says what Execute changed.
type Result struct {
	// Partitions is how many partitions moved.
	Partitions int
	// Rewind is what moving a service's stored offsets did to its inbox (zero for others);
	// Cleared the inbox rows a rebuild removed.
	Rewind  stream.RewindResult
	Cleared int64
	// Stored says a service's stored offsets moved (its transaction committed), even when
	// the Kafka commit after it failed.
	Stored bool
}

// Execute moves the group's offsets to the plan's: a service's stored offsets (and, with
// Rebuild, its emptied tables and inbox) in one transaction that rolls back when a member
// joined meanwhile, then Kafka's committed offsets, which lag tooling reads.
func Execute(ctx context.Context, cl *kgo.Client, r Reset) (Result, error) {
	adm := kadm.NewClient(cl)
	recheck := r.Recheck
	if recheck == nil {
		recheck = RefuseLiveMembers
	}
	logs, err := stream.Logs(ctx, cl, r.Topics...)
	if err != nil {
		return Result{}, err
	}
	to := Positions(r.Rows, logs)
	res := Result{Partitions: len(to)}
	if svc := r.Service; svc != nil {
		err := pgx.BeginFunc(ctx, r.Pool, func(tx pgx.Tx) error {
			if r.Rebuild {
				if err := svc.Rebuild(ctx, tx); err != nil {
					return fmt.Errorf("rebuild %s: %w", r.Group, err)
				}
				var err error
				if res.Cleared, err = stream.ClearInbox(ctx, tx, svc.Store.Schema, r.Group); err != nil {
					return err
				}
			}
			var err error
			if res.Rewind, err = stream.Rewind(ctx, tx, svc.Store.Schema, r.Group, to); err != nil {
				return err
			}
			// A member may have joined since the plan was checked: the last step before
			// the commit is to look again, and roll everything back if one did.
			return recheck(ctx, adm, r.Group)
		})
		if err != nil {
			return res, fmt.Errorf("reset stored offsets of %s (nothing changed): %w", r.Group, err)
		}
		res.Stored = true
	} else if err := recheck(ctx, adm, r.Group); err != nil {
		return res, err
	}
	var offs kadm.Offsets
	for _, p := range to {
		offs.Add(kadm.Offset{Topic: p.Topic, Partition: p.Partition, At: p.Offset, LeaderEpoch: -1})
	}
	resp, err := adm.CommitOffsets(ctx, r.Group, offs)
	if err == nil {
		err = resp.Error()
	}
	if err != nil {
		if r.Service != nil {
			return res, fmt.Errorf("stored offsets of %s moved (the service resumes from them), but committing them to Kafka for lag tooling failed: %w", r.Group, err)
		}
		return res, fmt.Errorf("commit offsets of %s: %w", r.Group, err)
	}
	return res, nil
}

// RefuseLiveMembers describes group again right before offsets are written and fails, naming
// them, when it has live members: the check before the plan may be seconds old, and a
// consumer that joined since would keep consuming from its own positions.
func RefuseLiveMembers(ctx context.Context, adm *kadm.Client, group string) error {
	described, err := adm.DescribeGroups(ctx, group)
	if err != nil {
		return fmt.Errorf("describe group %s again before writing offsets: %w", group, err)
	}
	dg := described[group]
	if dg.Err != nil {
		return fmt.Errorf("describe group %s again before writing offsets: %w", group, dg.Err)
	}
	if len(dg.Members) > 0 {
		return errors.New(LiveMembers(group, dg.Members))
	}
	return nil
}
