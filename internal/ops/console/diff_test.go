package console

import (
	"strings"
	"testing"
)

func TestDiffLines(t *testing.T) {
	a := strings.Split("a\nb\nc\nd", "\n")
	b := strings.Split("a\nc\nd\ne", "\n")
	var got []string
	for _, l := range diffLines(a, b) {
		got = append(got, l.Op+l.Text)
	}
	want := " a,-b, c, d,+e"
	if strings.Join(got, ",") != want {
		t.Errorf("diff = %s, want %s", strings.Join(got, ","), want)
	}
	if n := len(diffLines(a, a)); n != len(a) {
		t.Errorf("diff of equal texts has %d lines, want %d", n, len(a))
	}
}
