package outbox

import (
	"context"
	"time"
)

// Wake tells the relay that a transaction of this process has just committed outbox rows, so
// that it fetches them at once. It never blocks: wake-ups that come while the relay is busy
// fold into one fetch after its current batch, and a fetch from the oldest row consumes a
// pending one (it sees those rows); a relay that does not lead keeps it until it does.
//
// A committer that wakes the relay this way may spare its transaction the store's own
// notification (pgoutbox.QuietBegin), which on PostgreSQL serialises commits; it must do so
// only while Leading reports true.
func (r *Relay) Wake() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
	// End a wait in progress from here, not through a goroutine that forwards the wake-up:
	// one hand-over fewer between the commit and the fetch, which on a busy machine each
	// costs a turn on a core.
	r.waitMu.Lock()
	if r.endWait != nil {
		r.endWait()
	}
	r.waitMu.Unlock()
}

// Leading reports whether this relay leads its store now. Leadership can move at any time;
// a committer that relied on it and lost the race only delays its rows until the new
// leader's next poll (Config.PollInterval), it loses nothing.
func (r *Relay) Leading() bool { return r.leading.Load() }

// wait returns once the store notifies a commit, Wake is called, or d passes, whichever
// comes first. A pending Wake returns at once: its rows committed after the last fetch from
// the oldest row began. The wake-up stays pending: the fetch that follows consumes it.
func (r *Relay) wait(ctx context.Context, s Session, d time.Duration) error {
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	r.waitMu.Lock()
	r.endWait = cancel
	r.waitMu.Unlock()
	defer func() {
		r.waitMu.Lock()
		r.endWait = nil
		r.waitMu.Unlock()
	}()
	// Checked once endWait is set: a Wake before this point left its token, one after it
	// cancels the wait.
	if len(r.wake) > 0 {
		return nil
	}
	err := s.Wait(wctx, d)
	if ctx.Err() == nil && wctx.Err() != nil {
		return nil // Wait ended because of a wake-up, not because the store failed
	}
	return err
}
