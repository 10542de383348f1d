package migrate

import (
	"errors"
	"fmt"
	"strings"
)

// Compose orders sets so that each comes after the sets its After names (Kahn's
// topological sort). Among sets free to go next, input order wins, so a caller listing the
// platform sets first (stream, outbox, idempotency) gets them first, and sets without After
// keep the order they were given. It refuses a duplicate name, an After naming a set not in
// sets, and a cycle, each with the names involved: a service's migrations never depend on an
// order someone wrote by hand.
func Compose(sets ...Set) ([]Set, error) {
	index := make(map[string]int, len(sets))
	var errs []error
	for i, s := range sets {
		if _, dup := index[s.Name]; dup {
			errs = append(errs, fmt.Errorf("set %q is listed twice", s.Name))
			continue
		}
		index[s.Name] = i
	}
	waiting := make([]int, len(sets))    // per set: how many of its After are not placed yet
	unblocks := make([][]int, len(sets)) // per set: the sets naming it in their After
	for i, s := range sets {
		for _, a := range s.After {
			j, ok := index[a]
			if !ok {
				errs = append(errs, fmt.Errorf("set %q comes after %q, which is not among the sets", s.Name, a))
				continue
			}
			waiting[i]++
			unblocks[j] = append(unblocks[j], i)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("migrate: compose: %w", err)
	}

	out := make([]Set, 0, len(sets))
	placed := make([]bool, len(sets))
	for len(out) < len(sets) {
		next := -1
		for i := range sets { // the first ready set in input order
			if !placed[i] && waiting[i] == 0 {
				next = i
				break
			}
		}
		if next < 0 {
			return nil, fmt.Errorf("migrate: compose: the After of sets %s form a cycle", strings.Join(unplaced(sets, placed), ", "))
		}
		placed[next] = true
		out = append(out, sets[next])
		for _, i := range unblocks[next] {
			waiting[i]--
		}
	}
	return out, nil
}

// unplaced names the sets left when Compose found no set free to go next.
func unplaced(sets []Set, placed []bool) []string {
	var names []string
	for i, s := range sets {
		if !placed[i] {
			names = append(names, fmt.Sprintf("%q", s.Name))
		}
	}
	return names
}
