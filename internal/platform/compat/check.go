package compat

import (
	"errors"
	"fmt"

	"github.com/hamba/avro/v2"
)

// Version is an earlier schema together with the version number it was registered under, so
// errors can name it. Check numbers its plain slice 1, 2, 3...; a registry whose subject has
// deleted versions uses CheckVersions with the real numbers.
type Version struct {
	Number int
	Schema avro.Schema
}

// Check reports whether candidate may follow earlier (oldest first, numbered from 1) under
// mode. It returns nil when compatible, an *IncompatibleError (wrapping ErrIncompatible) naming
// every conflicting field and version when not, and a plain error for an unknown mode or a nil
// schema.
func Check(mode Mode, candidate avro.Schema, earlier []avro.Schema) error {
	vs := make([]Version, len(earlier))
	for i, s := range earlier {
		vs[i] = Version{Number: i + 1, Schema: s}
	}
	return CheckVersions(mode, candidate, vs)
}

// CheckVersions is Check with explicit version numbers. earlier must be oldest first; the
// non-transitive modes compare against its last element only.
func CheckVersions(mode Mode, candidate avro.Schema, earlier []Version) error {
	if !mode.valid() {
		return fmt.Errorf("checking compatibility: unknown mode %q", mode)
	}
	if candidate == nil {
		return errors.New("checking compatibility: nil candidate schema")
	}
	if mode == None || len(earlier) == 0 {
		return nil
	}
	against := earlier
	if !mode.transitive() {
		against = earlier[len(earlier)-1:]
	}
	var conflicts []Conflict
	for _, v := range against {
		if v.Schema == nil {
			return fmt.Errorf("checking compatibility: nil schema for version %d", v.Number)
		}
		if mode.backward() {
			if f, bad := conflict(candidate, v.Schema); bad {
				conflicts = append(conflicts, conflictOf(v.Number, DirectionBackward, f))
			}
		}
		if mode.forward() {
			if f, bad := conflict(v.Schema, candidate); bad {
				conflicts = append(conflicts, conflictOf(v.Number, DirectionForward, f))
			}
		}
	}
	if len(conflicts) == 0 {
		return nil
	}
	return &IncompatibleError{Mode: mode, Conflicts: conflicts}
}

// conflict reports why reader cannot read writer's data, if it cannot: hamba/avro's verdict,
// explained, then the decimal scale rule hamba does not have.
func conflict(reader, writer avro.Schema) (finding, bool) {
	if compatible(reader, writer) != nil {
		return explain(reader, writer, "", 0), true
	}
	return scaleChange(reader, writer, "", 0)
}

// compatible asks hamba/avro whether reader can decode writer's data. It uses a fresh
// SchemaCompatibility every time on purpose: hamba caches verdicts by Parsing Canonical Form
// fingerprints, which ignore field defaults, so a shared instance would answer "v2 with a
// default" from a cached "v2 without one" (or the reverse).
func compatible(reader, writer avro.Schema) error {
	return avro.NewSchemaCompatibility().Compatible(reader, writer)
}
