package avrojson

import (
	"encoding/json"
	"strings"
	"testing"
)

// appendString must agree with encoding/json (which also replaces invalid UTF-8) on what a
// string decodes back to, whatever byte sits wherever in the 8-byte steps of the fast path.
func TestAppendStringEscapesEveryByte(t *testing.T) {
	for c := range 256 {
		for pos := range 17 {
			b := []byte(strings.Repeat("a", 17))
			b[pos] = byte(c)
			out := AppendString(nil, b)
			var got string
			if err := json.Unmarshal(out, &got); err != nil {
				t.Fatalf("byte %#x at %d: %s is not a JSON string: %v", c, pos, out, err)
			}
			want := strings.ToValidUTF8(string(b), "\ufffd")
			if got != want {
				t.Fatalf("byte %#x at %d: decodes to %q; want %q", c, pos, got, want)
			}
		}
	}
}
