package loyalty

import (
	"errors"
	"fmt"
	"slices"

	"github.com/couchbase/gocb/v2"

	"github.com/novatrek/support/internal/platform/stream"
)

// maxEntryPoints is the PostgreSQL table's CHECK on points (migrations/0001_loyalty.sql):
// a booking priced in billions is a data error upstream, not ten million points.
const maxEntryPoints = 10_000_000

var entryKinds = []string{KindEarn, KindRedeem, KindExpire, KindAdjust, KindReverse}

// checkEntry refuses, as permanent (the stream runtime dead-letters the event with the
// reason), an entry the PostgreSQL table's CHECKs would refuse: Couchbase has no CHECKs.
func checkEntry(e Entry) error {
	if e.Points == 0 || e.Points > maxEntryPoints || e.Points < -maxEntryPoints || !slices.Contains(entryKinds, e.Kind) {
		return stream.Permanent(fmt.Errorf("loyalty: an entry of kind %q and %d points is refused: the kind is one of %v, "+
			"the points neither zero nor beyond %d either way", e.Kind, e.Points, entryKinds, maxEntryPoints))
	}
	return nil
}

// cbTransient marks the failures of Couchbase that waiting fixes (timeouts, a service or
// node not available, overload, a transaction expired or whose commit is ambiguous) as
// transient, so that the stream runtime retries the batch for as long as it takes instead
// of dead-lettering its events, as it does for a PostgreSQL outage. Retrying after an
// ambiguous commit books nothing twice: entries are keyed by their cause.
func cbTransient(err error) error {
	var expired *gocb.TransactionExpiredError
	var ambiguous *gocb.TransactionCommitAmbiguousError
	for _, e := range []error{gocb.ErrTimeout, gocb.ErrUnambiguousTimeout, gocb.ErrAmbiguousTimeout, gocb.ErrServiceNotAvailable,
		gocb.ErrTemporaryFailure, gocb.ErrOverload, gocb.ErrRequestCanceled} {
		if errors.Is(err, e) {
			return stream.Transient(err)
		}
	}
	if errors.As(err, &expired) || errors.As(err, &ambiguous) {
		return stream.Transient(err)
	}
	return err
}
