package lag

import (
	"fmt"
	"time"
)

// Observation is one look at one partition of one group.
type Observation struct {
	At time.Time
	// Committed is the group's committed offset, the next record it will read; -1 when the
	// group has committed nothing for the partition.
	Committed int64
	// Start is the log start offset, HighWater the offset after the last record, End the last
	// stable offset (the end for a read-committed consumer; equal to HighWater without
	// transactions).
	Start, HighWater, End int64
	// Lag is the records between Committed (or Start, without a commit) and End; never negative.
	Lag int64
	// Owned says a live member of the group had the partition assigned.
	Owned bool
}

// Evaluation is a status and the reason for it, in words an operator can act on.
type Evaluation struct {
	Status Status `json:"status"`
	Reason string `json:"reason"`
}

// Evaluate returns the status of a partition from its window of observations, oldest first.
// The rules adapt Burrow's (github.com/linkedin/Burrow/wiki/Consumer-Lag-Evaluation-Rules) to
// observations we sample ourselves rather than the commits Burrow reads from
// __consumer_offsets, so "the consumer stopped committing" is judged by group membership and
// offset movement instead of commit timestamps. In order:
//
//  1. ERR if the latest committed offset is beyond the high watermark, or before the log
//     start (records were deleted before the group consumed them).
//  2. A rewind (the committed offset went back, e.g. `novatrek groups reset`) starts the
//     window afresh: only the observations from the rewind on count.
//  3. STOP if there is lag now, the committed offset did not move over the window, and no
//     live member owned the partition in any observation: nobody consumes it (a single
//     observation suffices). This comes before rule 4 so that a group that stopped while
//     caught up is reported as soon as records arrive, not a window later.
//  4. OK if the lag was zero in any observation of the window (Burrow's rule 1). Offsets
//     that moved without any member (Spark, Flink and other tools commit without joining the
//     group) count as consuming.
//  5. If the committed offset did not move over the window (so a member owned the partition,
//     or rule 3 would have applied): STALL when the window holds at least two observations
//     (a member owns it and makes no progress), else OK (one observation of a consumer that
//     is there cannot tell a stall from a pause).
//  6. WARN if the offsets moved but the lag grew from every observation to the next, over at
//     least three observations: the consumer falls behind. One step of growth, or growth
//     with a flat step between (2, 2, 3), is the noise of a busy partition between two
//     batches: a consumer keeping pace with live traffic shows it all day. A lag that holds
//     steady while offsets move is OK (Burrow would warn; a consumer keeping pace is not a
//     page).
//  7. OK otherwise.
//
// The window's length is the sensitivity: it must be longer than the group's commit interval
// (franz-go and the Java client commit every 5s by default, our runtime every second), or a
// healthy consumer between two commits looks stalled.
func Evaluate(window []Observation) Evaluation {
	if len(window) == 0 {
		return Evaluation{OK, "not observed yet"}
	}
	last := window[len(window)-1]
	if last.Committed >= 0 && last.Committed > last.HighWater {
		return Evaluation{ERR, fmt.Sprintf("committed offset %d is beyond the end of the log (%d): was the topic recreated?", last.Committed, last.HighWater)}
	}
	if last.Committed >= 0 && last.Committed < last.Start {
		return Evaluation{ERR, fmt.Sprintf("committed offset %d is before the log start (%d): %d records were deleted before the group consumed them", last.Committed, last.Start, last.Start-last.Committed)}
	}
	for i := len(window) - 1; i > 0; i-- {
		if window[i].Committed < window[i-1].Committed {
			window = window[i:]
			break
		}
	}
	first := window[0]
	span := last.At.Sub(first.At).Round(time.Second)
	moved := last.Committed != first.Committed
	owned := false
	for _, o := range window {
		owned = owned || o.Owned
	}
	if last.Lag > 0 && !moved && !owned {
		return Evaluation{STOP, fmt.Sprintf("lag %d and no live member consumes the partition", last.Lag)}
	}
	for _, o := range window {
		if o.Lag == 0 {
			if last.Lag == 0 {
				return Evaluation{OK, "caught up"}
			}
			return Evaluation{OK, "caught up within the window"}
		}
	}
	if !moved {
		if len(window) >= 2 {
			return Evaluation{STALL, fmt.Sprintf("lag %d and the committed offset %s did not move in %s although a member owns the partition", last.Lag, offsetText(last.Committed), span)}
		}
		return Evaluation{OK, fmt.Sprintf("lag %d; one observation cannot tell a stall", last.Lag)}
	}
	grew := len(window) >= 3
	for i := 1; i < len(window) && grew; i++ {
		grew = window[i].Lag > window[i-1].Lag
	}
	if grew {
		return Evaluation{WARN, fmt.Sprintf("consuming, but the lag grew from %d to %d in %s", first.Lag, last.Lag, span)}
	}
	return Evaluation{OK, fmt.Sprintf("consuming; lag %d", last.Lag)}
}

func offsetText(o int64) string {
	if o < 0 {
		return "(none)"
	}
	return fmt.Sprint(o)
}
