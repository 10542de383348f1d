package stream

import (
	"context"
	"time"
)

// pruneChunk bounds one prune statement, keeping its locks and WAL burst small.
const pruneChunk = 10_000

// pruneLoop deletes inbox rows older than Config.InboxRetention every PruneInterval until
// ctx ends, so the inbox does not grow without bound. Every member of the group prunes;
// the deletes are idempotent and cheap when there is nothing to do.
func (p *Processor) pruneLoop(ctx context.Context) {
	if p.cfg.InboxRetention < 0 || p.cfg.PruneInterval == 0 {
		return
	}
	t := time.NewTicker(p.cfg.PruneInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		var total int64
		for ctx.Err() == nil {
			n, err := p.store.prune(ctx, p.cfg.InboxRetention.Seconds(), pruneChunk)
			if err != nil {
				if ctx.Err() == nil {
					p.log.Warn("prune inbox", "err", err)
				}
				break
			}
			total += n
			if n < pruneChunk {
				break
			}
		}
		if total > 0 {
			p.log.Info("pruned inbox", "rows", total, "older_than", p.cfg.InboxRetention)
		}
	}
}
