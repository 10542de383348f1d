package loyalty

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/couchbase/gocb/v2"
)

// TestCouchbaseRefusesWhatPostgresChecksRefuse: the entries the PostgreSQL CHECKs refuse
// are refused by the Couchbase adapter too, as permanent failures naming the points.
func TestCouchbaseRefusesWhatPostgresChecksRefuse(t *testing.T) {
	for _, e := range []Entry{{Kind: KindEarn, Points: 0}, {Kind: KindEarn, Points: maxEntryPoints + 1},
		{Kind: KindRedeem, Points: -maxEntryPoints - 1}, {Kind: "gift", Points: 10}} {
		err := checkEntry(e)
		if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("%d points", e.Points)) {
			t.Errorf("%s of %d: %v, want refused", e.Kind, e.Points, err)
		}
	}
	for _, e := range []Entry{{Kind: KindEarn, Points: maxEntryPoints}, {Kind: KindReverse, Points: -maxEntryPoints}} {
		if err := checkEntry(e); err != nil {
			t.Errorf("%s of %d: %v", e.Kind, e.Points, err)
		}
	}
}

// TestCouchbaseOutagesAreTransient: a timeout or an unavailable service, however wrapped,
// is marked transient (the batch waits), and a domain error is left as it is.
func TestCouchbaseOutagesAreTransient(t *testing.T) {
	for _, err := range []error{fmt.Errorf("loyalty: read member x: %w", gocb.ErrUnambiguousTimeout), gocb.ErrServiceNotAvailable,
		&gocb.TransactionExpiredError{}} {
		if got := cbTransient(err); got == err || !errors.Is(got, err) {
			t.Errorf("%v: %v, want it marked transient", err, got)
		}
	}
	if got := cbTransient(ErrInsufficient); got != ErrInsufficient {
		t.Errorf("ErrInsufficient became %v", got)
	}
}
