package compat

import (
	"errors"
	"fmt"
	"strings"
)

// ErrIncompatible is wrapped by every *IncompatibleError, for errors.Is.
var ErrIncompatible = errors.New("schema is incompatible")

// Direction says who reads whose data in a conflict.
type Direction int

const (
	// DirectionBackward: the candidate cannot read data written with the earlier version.
	DirectionBackward Direction = iota + 1
	// DirectionForward: the earlier version cannot read data written with the candidate.
	DirectionForward
)

func (d Direction) String() string {
	switch d {
	case DirectionBackward:
		return "backward"
	case DirectionForward:
		return "forward"
	}
	return fmt.Sprintf("Direction(%d)", int(d))
}

// Conflict is one reason a candidate cannot follow one earlier version.
type Conflict struct {
	// Version is the earlier version the candidate conflicts with.
	Version int
	// Direction says whether the candidate cannot read the version's data (backward) or the
	// version cannot read the candidate's data (forward).
	Direction Direction
	// Field is the dotted path of the offending field ("guest.address.city"); array items add
	// "[]", map values "{}". It is empty when the schemas differ at the root.
	Field string
	// Reason is a sentence saying what is wrong, naming the field.
	Reason string
}

// IncompatibleError is returned by Check when the candidate breaks the mode.
type IncompatibleError struct {
	Mode      Mode
	Conflicts []Conflict // in the order the versions were given (oldest first)
}

// maxErrorConflicts bounds how many conflicts Error() spells out; Messages() has them all.
const maxErrorConflicts = 3

// Error returns the first conflicts, each as
// `incompatible with version 2 (BACKWARD_TRANSITIVE): field "party_size" has no default ...`.
func (e *IncompatibleError) Error() string {
	msgs := e.Messages()
	if len(msgs) > maxErrorConflicts {
		rest := len(msgs) - maxErrorConflicts
		msgs = append(msgs[:maxErrorConflicts:maxErrorConflicts], fmt.Sprintf("and %d more conflict(s)", rest))
	}
	return strings.Join(msgs, "; ")
}

// Messages returns one message per conflict, for Confluent's verbose compatibility answer.
func (e *IncompatibleError) Messages() []string {
	msgs := make([]string, len(e.Conflicts))
	for i, c := range e.Conflicts {
		msgs[i] = fmt.Sprintf("incompatible with version %d (%s): %s", c.Version, e.Mode, c.Reason)
	}
	return msgs
}

// Unwrap makes errors.Is(err, ErrIncompatible) true.
func (e *IncompatibleError) Unwrap() error { return ErrIncompatible }
