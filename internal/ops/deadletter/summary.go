package deadletter

import (
	"cmp"
	"regexp"
	"slices"
	"time"
)

// Count is how many dead letters share a value (a kind, a reason, a topic).
type Count struct {
	Value string `json:"value"`
	Count int    `json:"count"`
}

// Summary describes a set of dead letters at a glance.
type Summary struct {
	Total    int       `json:"total"`
	ByKind   []Count   `json:"by_kind"`
	ByReason []Count   `json:"by_reason"`
	ByTopic  []Count   `json:"by_topic"`
	Oldest   time.Time `json:"oldest,omitzero"`
	Newest   time.Time `json:"newest,omitzero"`
	// Redriven counts letters that are themselves the failure of an earlier re-drive.
	Redriven int `json:"redriven"`
}

// ReasonWidth is how much of a reason the summary groups by: messages that differ only
// after it count as one reason.
const ReasonWidth = 100

// uuids matches the ids that make otherwise equal failure messages differ ("project
// reservation 3f9d...: ERROR: ...").
var uuids = regexp.MustCompile(`(?i)[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)

// ReasonGroup is the form of a reason the summary counts by: UUIDs replaced by "<id>", cut
// to ReasonWidth.
func ReasonGroup(reason string) string {
	return Truncate(uuids.ReplaceAllLiteralString(reason, "<id>"), ReasonWidth)
}

// Summarize counts letters by kind, reason (see ReasonGroup) and source topic, most
// frequent first.
func Summarize(letters []Letter) Summary {
	s := Summary{Total: len(letters)}
	kinds, reasons, topics := map[string]int{}, map[string]int{}, map[string]int{}
	for i := range letters {
		l := &letters[i]
		kinds[l.Kind]++
		reasons[ReasonGroup(l.Reason)]++
		topics[l.Source.Topic]++
		if s.Oldest.IsZero() || l.Time.Before(s.Oldest) {
			s.Oldest = l.Time
		}
		if l.Time.After(s.Newest) {
			s.Newest = l.Time
		}
		if l.Redrives > 0 {
			s.Redriven++
		}
	}
	s.ByKind, s.ByReason, s.ByTopic = counts(kinds), counts(reasons), counts(topics)
	return s
}

func counts(m map[string]int) []Count {
	out := make([]Count, 0, len(m))
	for v, n := range m {
		out = append(out, Count{Value: v, Count: n})
	}
	slices.SortFunc(out, func(a, b Count) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.Value, b.Value))
	})
	return out
}

// Truncate cuts s to at most n runes, marking a cut with "…".
func Truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
