package compat

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/hamba/avro/v2"
)

// parse parses with a private cache so versions of the same record name never collide.
func parse(t *testing.T, s string) avro.Schema {
	t.Helper()
	sch, err := avro.ParseWithCache(s, "", &avro.SchemaCache{})
	if err != nil {
		t.Fatalf("parsing schema %s: %v", s, err)
	}
	return sch
}

// reservation builds a record com.novatrek.Reservation with an id and the given extra fields.
func reservation(fields ...string) string {
	all := append([]string{`{"name":"id","type":"string"}`}, fields...)
	return `{"type":"record","name":"Reservation","namespace":"com.novatrek","fields":[` + strings.Join(all, ",") + `]}`
}

var (
	resA = reservation()                                                      // no party_size
	resB = reservation(`{"name":"party_size","type":"int","default":2}`)      // added with a default
	resC = reservation(`{"name":"party_size","type":"int"}`)                  // no default
	resD = reservation(`{"name":"party_size","type":"long","default":2}`)     // int promoted to long
	resE = reservation(`{"name":"party_size","type":"string","default":"2"}`) // int changed to string
)

type conflictWant struct {
	version int
	dir     Direction
	field   string
	text    string // substring of the message
}

func TestCheckModes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		mode      Mode
		candidate string
		earlier   []string
		want      []conflictWant // nil = compatible
	}{
		{"none accepts anything", None, resE, []string{resA, resC}, nil},
		{"no earlier versions", FullTransitive, resC, nil, nil},

		{"backward: added field with default", Backward, resB, []string{resA}, nil},
		{"backward: added field without default", Backward, resC, []string{resA},
			[]conflictWant{{1, DirectionBackward, "party_size", `incompatible with version 1 (BACKWARD): field "party_size" has no default`}}},
		{"backward: only the latest counts", Backward, resC, []string{resA, resB}, nil},
		{"backward: int to long promotion", Backward, resD, []string{resB}, nil},
		{"backward: type change", Backward, resE, []string{resB},
			[]conflictWant{{1, DirectionBackward, "party_size", `field "party_size" changed type: version 1 writes int`}}},

		{"backward transitive: only a non-latest version conflicts", BackwardTransitive, resC, []string{resA, resB},
			[]conflictWant{{1, DirectionBackward, "party_size", `incompatible with version 1 (BACKWARD_TRANSITIVE): field "party_size" has no default`}}},
		{"backward transitive: every version fine", BackwardTransitive, resB, []string{resA, resB, resA}, nil},
		{"backward transitive: several versions conflict", BackwardTransitive, resC, []string{resA, resB, resA},
			[]conflictWant{{1, DirectionBackward, "party_size", "version 1"}, {3, DirectionBackward, "party_size", "version 3"}}},

		{"forward: removed field the old reader defaults", Forward, resA, []string{resB}, nil},
		{"forward: removed field the old reader requires", Forward, resA, []string{resC},
			[]conflictWant{{1, DirectionForward, "party_size", `field "party_size" has no default in version 1, which reads it, but the new schema does not write it`}}},
		{"forward: only the latest counts", Forward, resA, []string{resC, resB}, nil},
		{"forward: long cannot be read as int", Forward, resD, []string{resB},
			[]conflictWant{{1, DirectionForward, "party_size", "the new schema writes long, which version 1 cannot read as int"}}},

		// resC and resB share a Parsing Canonical Form fingerprint and differ only in the
		// default: the check must not answer one from the other's cached verdict.
		{"forward transitive: only a non-latest version conflicts", ForwardTransitive, resA, []string{resC, resB},
			[]conflictWant{{1, DirectionForward, "party_size", "(FORWARD_TRANSITIVE)"}}},
		{"forward transitive: fine", ForwardTransitive, resA, []string{resB, resB}, nil},

		{"full: added field with default", Full, resB, []string{resA}, nil},
		{"full: added field without default breaks backward", Full, resC, []string{resA},
			[]conflictWant{{1, DirectionBackward, "party_size", "(FULL)"}}},
		{"full: removed required field breaks forward", Full, resA, []string{resC},
			[]conflictWant{{1, DirectionForward, "party_size", "(FULL)"}}},
		{"full: type change breaks both", Full, resE, []string{resB},
			[]conflictWant{{1, DirectionBackward, "party_size", ""}, {1, DirectionForward, "party_size", ""}}},
		{"full: only the latest counts", Full, resA, []string{resC, resB}, nil},

		{"full transitive: only a non-latest version conflicts", FullTransitive, resA, []string{resC, resB},
			[]conflictWant{{1, DirectionForward, "party_size", "incompatible with version 1 (FULL_TRANSITIVE)"}}},
		{"full transitive: fine", FullTransitive, resB, []string{resA, resB}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var earlier []avro.Schema
			for _, s := range tt.earlier {
				earlier = append(earlier, parse(t, s))
			}
			err := Check(tt.mode, parse(t, tt.candidate), earlier)
			assertConflicts(t, err, tt.want)
		})
	}
}

func assertConflicts(t *testing.T, err error, want []conflictWant) {
	t.Helper()
	if want == nil {
		if err != nil {
			t.Fatalf("want compatible, got %v", err)
		}
		return
	}
	if !errors.Is(err, ErrIncompatible) {
		t.Fatalf("want an error wrapping ErrIncompatible, got %v", err)
	}
	var ie *IncompatibleError
	if !errors.As(err, &ie) {
		t.Fatalf("want *IncompatibleError, got %T", err)
	}
	if len(ie.Conflicts) != len(want) {
		t.Fatalf("want %d conflicts, got %d: %v", len(want), len(ie.Conflicts), err)
	}
	msgs := ie.Messages()
	for i, w := range want {
		c := ie.Conflicts[i]
		if c.Version != w.version || c.Direction != w.dir || c.Field != w.field {
			t.Errorf("conflict %d: got version %d %v field %q, want version %d %v field %q",
				i, c.Version, c.Direction, c.Field, w.version, w.dir, w.field)
		}
		if !strings.Contains(msgs[i], w.text) {
			t.Errorf("conflict %d: message %q does not contain %q", i, msgs[i], w.text)
		}
		if !strings.Contains(msgs[i], `"`+w.field+`"`) {
			t.Errorf("conflict %d: message %q does not name field %q", i, msgs[i], w.field)
		}
	}
	if !strings.Contains(err.Error(), msgs[0]) {
		t.Errorf("Error() %q does not start with the first message %q", err.Error(), msgs[0])
	}
}

// TestCheckFieldPaths checks that conflicts deep inside nested types name the full path.
func TestCheckFieldPaths(t *testing.T) {
	t.Parallel()
	guest := func(addressFields string) string {
		return `{"type":"record","name":"Booking","namespace":"com.novatrek","fields":[
			{"name":"guest","type":{"type":"record","name":"Guest","fields":[
				{"name":"name","type":"string"},
				{"name":"address","type":{"type":"record","name":"Address","fields":[` + addressFields + `]}}]}}]}`
	}
	note := func(noteFields string) string {
		return `{"type":"record","name":"Booking","namespace":"com.novatrek","fields":[
			{"name":"note","type":["null",{"type":"record","name":"Note","fields":[` + noteFields + `]}],"default":null}]}`
	}
	lines := func(lineFields string) string {
		return `{"type":"record","name":"Order","namespace":"com.novatrek","fields":[
			{"name":"lines","type":{"type":"array","items":{"type":"record","name":"Line","fields":[` + lineFields + `]}}}]}`
	}
	status := func(enum string) string {
		return `{"type":"record","name":"Trip","namespace":"com.novatrek","fields":[{"name":"status","type":` + enum + `}]}`
	}
	tests := []struct {
		name       string
		mode       Mode
		candidate  string
		earlier    string
		wantField  string
		wantText   string
		compatible bool
	}{
		{name: "nested record field", mode: Backward,
			candidate: guest(`{"name":"city","type":"string"},{"name":"zip","type":"string"}`),
			earlier:   guest(`{"name":"city","type":"string"}`),
			wantField: "guest.address.zip", wantText: "has no default"},
		{name: "record inside a nullable union", mode: Backward,
			candidate: note(`{"name":"text","type":"string"},{"name":"lang","type":"string"}`),
			earlier:   note(`{"name":"text","type":"string"}`),
			wantField: "note.lang", wantText: "has no default"},
		{name: "union gains a branch the old reader lacks", mode: Forward,
			candidate: `{"type":"record","name":"R","fields":[{"name":"v","type":["null","string","int"]}]}`,
			earlier:   `{"type":"record","name":"R","fields":[{"name":"v","type":["null","string"]}]}`,
			wantField: "v", wantText: "changed type: the new schema writes int"},
		{name: "array item record", mode: Backward,
			candidate: lines(`{"name":"sku","type":"string"},{"name":"qty","type":"int"}`),
			earlier:   lines(`{"name":"sku","type":"string"}`),
			wantField: "lines[].qty", wantText: "has no default"},
		{name: "enum symbol removed", mode: Backward,
			candidate: status(`{"type":"enum","name":"Status","symbols":["OPEN"]}`),
			earlier:   status(`{"type":"enum","name":"Status","symbols":["OPEN","CLOSED"]}`),
			wantField: "status", wantText: `lacks symbol "CLOSED"`},
		{name: "enum symbol removed but enum has a default", mode: Backward, compatible: true,
			candidate: status(`{"type":"enum","name":"Status","symbols":["OPEN","UNKNOWN"],"default":"UNKNOWN"}`),
			earlier:   status(`{"type":"enum","name":"Status","symbols":["OPEN","CLOSED"]}`)},
		{name: "record renamed", mode: Backward,
			candidate: `{"type":"record","name":"Booking","fields":[{"name":"id","type":"string"}]}`,
			earlier:   `{"type":"record","name":"Reservation","fields":[{"name":"id","type":"string"}]}`,
			wantField: "", wantText: "the schema root changed name"},
		{name: "record renamed with alias", mode: Backward, compatible: true,
			candidate: `{"type":"record","name":"Booking","aliases":["Reservation"],"fields":[{"name":"id","type":"string"}]}`,
			earlier:   `{"type":"record","name":"Reservation","fields":[{"name":"id","type":"string"}]}`},
		{name: "field renamed with alias", mode: Backward, compatible: true,
			candidate: `{"type":"record","name":"R","fields":[{"name":"guest_id","aliases":["guest"],"type":"string"}]}`,
			earlier:   `{"type":"record","name":"R","fields":[{"name":"guest","type":"string"}]}`},
		{name: "fixed size changed", mode: Backward,
			candidate: `{"type":"record","name":"R","fields":[{"name":"h","type":{"type":"fixed","name":"Hash","size":16}}]}`,
			earlier:   `{"type":"record","name":"R","fields":[{"name":"h","type":{"type":"fixed","name":"Hash","size":32}}]}`,
			wantField: "h", wantText: "fixed Hash is 32 bytes in version 1 but 16 bytes in the new schema"},
		{name: "root type changed", mode: Backward,
			candidate: `"string"`, earlier: `"int"`,
			wantField: "", wantText: "the schema root changed type"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := Check(tt.mode, parse(t, tt.candidate), []avro.Schema{parse(t, tt.earlier)})
			if tt.compatible {
				if err != nil {
					t.Fatalf("want compatible, got %v", err)
				}
				return
			}
			var ie *IncompatibleError
			if !errors.As(err, &ie) || len(ie.Conflicts) != 1 {
				t.Fatalf("want one conflict, got %v", err)
			}
			if got := ie.Conflicts[0].Field; got != tt.wantField {
				t.Errorf("field = %q, want %q (%v)", got, tt.wantField, err)
			}
			if !strings.Contains(err.Error(), tt.wantText) {
				t.Errorf("error %q does not contain %q", err, tt.wantText)
			}
		})
	}
}

// TestCheckDecimalScale: stricter than Confluent, a decimal scale change is a conflict.
func TestCheckDecimalScale(t *testing.T) {
	t.Parallel()
	payment := func(amount string) string {
		return `{"type":"record","name":"Payment","fields":[{"name":"amount","type":` + amount + `},
			{"name":"refund","type":["null",{"type":"record","name":"Refund","fields":[{"name":"amount","type":` + amount + `}]}],"default":null}]}`
	}
	dec := func(precision, scale int) string {
		return fmt.Sprintf(`{"type":"bytes","logicalType":"decimal","precision":%d,"scale":%d}`, precision, scale)
	}
	fixedDec := func(scale int) string {
		return fmt.Sprintf(`{"type":"record","name":"Payment","fields":[{"name":"amount","type":
			{"type":"fixed","name":"Money","size":8,"logicalType":"decimal","precision":18,"scale":%d}}]}`, scale)
	}
	tests := []struct {
		name             string
		mode             Mode
		candidate, older string
		wantField        string // "" = compatible
	}{
		{"scale changed", Backward, payment(dec(12, 3)), payment(dec(12, 2)), "amount"},
		{"scale changed, forward", Forward, payment(dec(12, 3)), payment(dec(12, 2)), "amount"},
		{"precision grew", FullTransitive, payment(dec(18, 2)), payment(dec(12, 2)), ""},
		{"fixed decimal scale changed", Backward, fixedDec(4), fixedDec(2), "amount"},
		{"none ignores it", None, payment(dec(12, 3)), payment(dec(12, 2)), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := Check(tt.mode, parse(t, tt.candidate), []avro.Schema{parse(t, tt.older)})
			if tt.wantField == "" {
				if err != nil {
					t.Fatalf("want compatible, got %v", err)
				}
				return
			}
			var ie *IncompatibleError
			if !errors.As(err, &ie) || ie.Conflicts[0].Field != tt.wantField || !strings.Contains(err.Error(), "decimal scale changed") {
				t.Fatalf("want a decimal scale conflict on %q, got %v", tt.wantField, err)
			}
		})
	}
	// The nested amount inside the nullable refund is found too when the top one is fine.
	nested := func(scale int) string {
		return `{"type":"record","name":"P","fields":[{"name":"refund","type":["null",{"type":"record","name":"Refund","fields":[
			{"name":"amount","type":` + dec(12, scale) + `}]}],"default":null}]}`
	}
	err := Check(Backward, parse(t, nested(3)), []avro.Schema{parse(t, nested(2))})
	var ie *IncompatibleError
	if !errors.As(err, &ie) || ie.Conflicts[0].Field != "refund.amount" {
		t.Fatalf("nested decimal: got %v", err)
	}
}

func TestCheckVersionsUsesRealNumbers(t *testing.T) {
	t.Parallel()
	err := CheckVersions(BackwardTransitive, parse(t, resC), []Version{{Number: 4, Schema: parse(t, resA)}, {Number: 7, Schema: parse(t, resB)}})
	if err == nil || !strings.Contains(err.Error(), "incompatible with version 4 (BACKWARD_TRANSITIVE)") {
		t.Fatalf("want a conflict with version 4, got %v", err)
	}
}

func TestCheckErrorCap(t *testing.T) {
	t.Parallel()
	earlier := []avro.Schema{parse(t, resA), parse(t, resA), parse(t, resA), parse(t, resA), parse(t, resA)}
	err := Check(BackwardTransitive, parse(t, resC), earlier)
	var ie *IncompatibleError
	if !errors.As(err, &ie) || len(ie.Messages()) != 5 {
		t.Fatalf("want 5 conflicts, got %v", err)
	}
	if !strings.HasSuffix(err.Error(), "and 2 more conflict(s)") {
		t.Errorf("Error() should summarise past 3 conflicts: %q", err)
	}
}

func TestCheckBadInput(t *testing.T) {
	t.Parallel()
	s := parse(t, resA)
	if err := Check("SIDEWAYS", s, []avro.Schema{s}); err == nil || errors.Is(err, ErrIncompatible) {
		t.Errorf("unknown mode: want a plain error, got %v", err)
	}
	if err := Check(Backward, nil, []avro.Schema{s}); err == nil || errors.Is(err, ErrIncompatible) {
		t.Errorf("nil candidate: want a plain error, got %v", err)
	}
	if err := Check(Backward, s, []avro.Schema{nil}); err == nil || errors.Is(err, ErrIncompatible) {
		t.Errorf("nil earlier schema: want a plain error, got %v", err)
	}
}

func TestParseMode(t *testing.T) {
	t.Parallel()
	for _, m := range Modes() {
		got, err := ParseMode(strings.ToLower(string(m)) + " ")
		if err != nil || got != m {
			t.Errorf("ParseMode(%q) = %q, %v", m, got, err)
		}
	}
	for _, bad := range []string{"", "BACKWARDS", "full-transitive"} {
		if _, err := ParseMode(bad); err == nil || !strings.Contains(err.Error(), "BACKWARD_TRANSITIVE") {
			t.Errorf("ParseMode(%q): want an error listing the modes, got %v", bad, err)
		}
	}
}
