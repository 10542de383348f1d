package console

import (
	"context"
	"fmt"
	"net/http"

	"github.com/jackc/pgx/v5"

	"github.com/novatrek/support/internal/ops/offsetreset"
)

// replay is how far one of our services got in replaying what it had consumed before a
// reset moved it back (a `--rebuild` replays everything): the stream runtime stores, per
// partition, the offset it has applied up to (next_offset) and, after a rewind, the offset
// it had reached before (replay_until). Applied and Target sum them over the partitions.
type replay struct {
	Applied, Target int64
	// Rebuild says the service rebuilds its tables by replay (its Spec has Rebuild), so a
	// replay is a rebuild; otherwise it re-applies events over kept tables.
	Rebuild bool
}

// Running says the replay has not reached where the service had got.
func (p *replay) Running() bool { return p != nil && p.Applied < p.Target }

// Percent is the share of the replay done, 0 to 100.
func (p *replay) Percent() int {
	if p.Target == 0 {
		return 100
	}
	return int(100 * p.Applied / p.Target)
}

// Word is the service's state while the replay runs.
func (p *replay) Word() string {
	if p.Rebuild {
		return "rebuilding"
	}
	return "replaying"
}

// replayOf reads group's replay from its service's stored offsets; nil when the group is
// not one of our services or the console has no database.
func (c *Console) replayOf(ctx context.Context, group string) (*replay, error) {
	svc := offsetreset.ServiceOf(c.cfg.Services, group)
	if svc == nil || c.cfg.Pool == nil {
		return nil, nil
	}
	p := &replay{Rebuild: svc.Rebuild != nil}
	// A partition whose replay is over counts fully in both sums (least = replay_until).
	err := c.cfg.Pool.QueryRow(ctx, `SELECT coalesce(sum(least(next_offset, replay_until)), 0), coalesce(sum(replay_until), 0)
		FROM `+pgx.Identifier{svc.Store.Schema, "consumer_offsets"}.Sanitize()+`
		WHERE consumer_group = $1 AND replay_until > 0`, group).Scan(&p.Applied, &p.Target)
	if err != nil {
		return nil, fmt.Errorf("replay progress of %s: %w", group, err)
	}
	return p, nil
}

// progressView is the replay progress block of a group page, which the page polls while a
// replay runs.
type progressView struct {
	Base, Group string
	Replay      *replay
	Err         string
}

func (c *Console) progressOf(ctx context.Context, group string) progressView {
	v := progressView{Base: c.cfg.Prefix, Group: group}
	p, err := c.replayOf(ctx, group)
	if err != nil {
		v.Err = err.Error()
	}
	v.Replay = p
	return v
}

// replayProgress is the progress block alone: the group page polls it during a replay.
func (c *Console) replayProgress(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if err := c.pages["group"].ExecuteTemplate(w, "progress", c.progressOf(r.Context(), r.PathValue("group"))); err != nil {
		c.cfg.Logger.ErrorContext(r.Context(), "console: render replay progress", "err", err)
	}
}
