package problem

import (
	"encoding/json"
	"maps"
	"strings"

	"github.com/novatrek/support/internal/platform/pci"
)

// redacted stands for a path segment that held what looks like a card number.
const redacted = "[card number]"

// withoutCardData returns p, or a copy of p with every member that holds card-shaped text
// (pci.ContainsPAN) cleaned: the instance path with the offending segments replaced, the
// title and detail replaced by generic text, offending extensions dropped. Problems quote the
// request (its path as the instance, a field name, a value in a detail), and a card number
// must never travel back to the client, nor into whatever logs responses.
func withoutCardData(p *Problem) *Problem {
	q := *p
	changed := false
	if pci.PathHoldsPAN(q.Instance) { // as the edge screens it: a hex-token segment is an id
		q.Instance, changed = redactPath(q.Instance), true
	}
	if pci.ContainsPAN(q.Title) {
		q.Title, changed = "Invalid request", true
	}
	if pci.ContainsPAN(q.Detail) {
		q.Detail, changed = "The detail is withheld: it quoted what looks like a payment card number.", true
	}
	for k, v := range p.Extensions {
		b, err := json.Marshal(v)
		if err == nil && !pci.ContainsPAN(string(b)) {
			continue
		}
		if len(q.Extensions) == len(p.Extensions) {
			q.Extensions = maps.Clone(p.Extensions) // p's map stays as the caller built it
		}
		delete(q.Extensions, k)
		changed = true
	}
	if !changed {
		return p
	}
	return &q
}

// redactPath replaces the segments of path that hold a card number; when the number spans
// segments ("/4242/4242/4242/4242"), the whole path.
func redactPath(path string) string {
	segs := strings.Split(path, "/")
	for i, s := range segs {
		if pci.ValueHoldsPAN(s) {
			segs[i] = redacted
		}
	}
	if out := strings.Join(segs, "/"); !pci.PathHoldsPAN(out) {
		return out
	}
	return redacted
}
