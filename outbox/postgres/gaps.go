package pgoutbox

import (
	"errors"
	"math"
	"slices"
)

// gaps returns the id ranges at or below after that the relay does not hold, as parallel
// lists of inclusive bounds: everything below the lowest held id, every run of ids between
// two held ones, and the ids between the highest held one and after. held are the ids of the
// rows the relay fetched and has not deleted, in ascending order (outbox.aheadFetcher's
// contract); any other order is the caller's bug and an error, not sorted away.
//
// A fetch ahead checks that no row is visible in any of these ranges (the late-row check of
// aheadSQL). A visible row at or below after that the relay does not hold is exactly a row in
// one of them, so the check is the same as counting the visible rows at or below after and
// comparing the count with len(held) (the check it replaced), except that it also fails when
// a held row vanished while a late one appeared, where the count would balance out. It costs
// one index probe per range instead of a visit to every held row: while a backlog drains,
// the held ids are contiguous (one batch after the other, nothing in flight between them), so
// there is one range, below the lowest held id, whose probe stops at the first visible row
// or at the lowest held id. Ids missing between held ones (a rolled-back or still-open
// transaction's, a sequence's skipped values) each make one more range, however many ids
// they span.
func gaps(held []int64, after int64) (lo, hi []int64, err error) {
	if !slices.IsSorted(held) {
		return nil, nil, errors.New("held ids are not in ascending order")
	}
	next := int64(math.MinInt64) // the lowest id not yet covered
	for _, id := range held {
		if id > after {
			break
		}
		if id > next {
			lo, hi = append(lo, next), append(hi, id-1)
		}
		next = max(next, id+1)
	}
	if next <= after {
		lo, hi = append(lo, next), append(hi, after)
	}
	return lo, hi, nil
}
