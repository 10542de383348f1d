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
}

// Leading reports whether this relay leads its store now. Leadership can move at any time;
// a committer that relied on it and lost the race only delays its rows until the new
// leader's next poll (Config.PollInterval), it loses nothing.
func (r *Relay) Leading() bool { return r.leading.Load() }

// wait returns once the store notifies a commit, Wake is called, or d passes, whichever
// comes first. A pending Wake returns at once: its rows committed after the last fetch from
// the oldest row began.
func (r *Relay) wait(ctx context.Context, s Session, d time.Duration) error {
	select {
	case <-r.wake:
		return nil
	default:
	}
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	woken, stop := make(chan struct{}), make(chan struct{})
	defer close(stop)
	go func() {
		select {
		case <-r.wake:
			close(woken)
			cancel()
		case <-stop:
		}
	}()
	err := s.Wait(wctx, d)
	select {
	case <-woken:
		return nil // Wait ended because of the wake-up, not because the store failed
	default:
		return err
	}
}
