package backup

import (
	"fmt"
	"regexp"
	"strconv"
)

// historyName is a timeline history file's name: the timeline in 8 hex digits, .history.
// The server writes one when a recovery promotes (a new timeline begins).
var historyName = regexp.MustCompile(`^([0-9A-F]{8})\.history$`)

// recoveryTimeline is what recovery_target_timeline is set to for a base backup starting at
// segment start. With no timeline newer than the base backup's in the archive there is one
// history to follow: 'current', the base backup's own, which never drifts onto a timeline a
// later restore creates. With a newer one (a restore to a past time promoted a cluster
// since), the target time can lie on either the old timeline or the new one, which only the
// operator knows: restore refuses unless chosen ('current', 'latest' or a timeline number).
func recoveryTimeline(archive, start, chosen string) (string, error) {
	if chosen != "" {
		if chosen == "current" || chosen == "latest" {
			return chosen, nil
		}
		if n, err := strconv.ParseUint(chosen, 10, 32); err == nil && n > 0 {
			return chosen, nil
		}
		return "", fmt.Errorf("restore: --timeline %q is not current, latest or a timeline number", chosen)
	}
	base, err := strconv.ParseUint(start[:8], 16, 32)
	if err != nil {
		return "", fmt.Errorf("restore: start segment %q: %w", start, err)
	}
	entries, err := readDirIfAny(archive)
	if err != nil {
		return "", err
	}
	var newest uint64
	for _, e := range entries {
		if m := historyName.FindStringSubmatch(e.Name()); m != nil {
			if tl, err := strconv.ParseUint(m[1], 16, 32); err == nil && tl > base {
				newest = max(newest, tl)
			}
		}
	}
	if newest > 0 {
		return "", fmt.Errorf("restore: the base backup is on timeline %d but the archive holds timeline %d's history (a restore promoted since): "+
			"say which the time is on with --timeline current (timeline %d) or --timeline latest (%d)", base, newest, base, newest)
	}
	return "current", nil
}
