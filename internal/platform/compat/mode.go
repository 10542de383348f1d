// Package compat applies Confluent Schema Registry compatibility modes to Avro schemas.
//
// hamba/avro answers one question — can a reader schema decode data written with a writer
// schema (SchemaCompatibility.Compatible) — and has no notion of modes. This package turns
// that into Confluent's semantics:
//
//   - BACKWARD: the candidate (new reader) reads data written with the latest earlier version.
//   - FORWARD: the latest earlier version (old reader) reads data written with the candidate.
//   - FULL: both.
//   - *_TRANSITIVE: the same, against every earlier version instead of only the latest.
//   - NONE: no check.
//
// Failures are reported as *IncompatibleError, which names the offending field path and the
// version it conflicts with, and wraps ErrIncompatible.
//
// One rule is stricter than Confluent: a decimal whose scale changes is a conflict (Avro
// resolution ignores logical types, so every amount would silently be misread); see decimal.go.
package compat

import (
	"fmt"
	"strings"
)

// Mode is a Confluent compatibility level, e.g. BACKWARD_TRANSITIVE.
type Mode string

// The compatibility modes Confluent Schema Registry defines.
const (
	None               Mode = "NONE"
	Backward           Mode = "BACKWARD"
	BackwardTransitive Mode = "BACKWARD_TRANSITIVE"
	Forward            Mode = "FORWARD"
	ForwardTransitive  Mode = "FORWARD_TRANSITIVE"
	Full               Mode = "FULL"
	FullTransitive     Mode = "FULL_TRANSITIVE"
)

// Modes lists every mode, in Confluent's documentation order.
func Modes() []Mode {
	return []Mode{None, Backward, BackwardTransitive, Forward, ForwardTransitive, Full, FullTransitive}
}

// ParseMode parses a mode name. It accepts any letter case and surrounding spaces, as
// Confluent's REST API does; anything else is an error listing the valid names.
func ParseMode(s string) (Mode, error) {
	m := Mode(strings.ToUpper(strings.TrimSpace(s)))
	if m.valid() {
		return m, nil
	}
	names := make([]string, 0, 7)
	for _, v := range Modes() {
		names = append(names, string(v))
	}
	return "", fmt.Errorf("unknown compatibility mode %q (want one of %s)", s, strings.Join(names, ", "))
}

func (m Mode) valid() bool {
	switch m {
	case None, Backward, BackwardTransitive, Forward, ForwardTransitive, Full, FullTransitive:
		return true
	}
	return false
}

// transitive reports whether the mode checks every earlier version, not only the latest.
func (m Mode) transitive() bool {
	return m == BackwardTransitive || m == ForwardTransitive || m == FullTransitive
}

// backward reports whether the candidate must read data of earlier versions.
func (m Mode) backward() bool {
	return m == Backward || m == BackwardTransitive || m == Full || m == FullTransitive
}

// forward reports whether earlier versions must read data of the candidate.
func (m Mode) forward() bool {
	return m == Forward || m == ForwardTransitive || m == Full || m == FullTransitive
}
