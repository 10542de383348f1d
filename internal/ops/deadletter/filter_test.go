package deadletter

import (
	"math"
	"strings"
	"testing"
	"time"
)

func TestParseRanges(t *testing.T) {
	for _, c := range []struct {
		in   string
		want Ranges
		err  string
	}{
		{in: "10-20", want: Ranges{{-1, 10, 20}}},
		{in: "7", want: Ranges{{-1, 7, 7}}},
		{in: "30-", want: Ranges{{-1, 30, math.MaxInt64}}},
		{in: "-5", want: Ranges{{-1, 0, 5}}},
		{in: "1:10-20, 0:3", want: Ranges{{1, 10, 20}, {0, 3, 3}}},
		{in: "20-10", err: "runs backwards"},
		{in: "x", err: `offset "x"`},
		{in: "a:1", err: `partition "a"`},
		{in: "-", err: "not a range"},
		{in: ",", err: "names no offsets"},
	} {
		got, err := ParseRanges(c.in)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("ParseRanges(%q) error %v; want one saying %q", c.in, err, c.err)
			}
			continue
		}
		if err != nil || len(got) != len(c.want) {
			t.Errorf("ParseRanges(%q) = %v, %v; want %v", c.in, got, err, c.want)
			continue
		}
		for i := range got {
			if got[i] != c.want[i] {
				t.Errorf("ParseRanges(%q)[%d] = %v; want %v", c.in, i, got[i], c.want[i])
			}
		}
	}
}

func TestParsePosition(t *testing.T) {
	if p, o, err := ParsePosition("1:42"); err != nil || p != 1 || o != 42 {
		t.Errorf("ParsePosition(1:42) = %d, %d, %v", p, o, err)
	}
	if p, o, err := ParsePosition("42"); err != nil || p != -1 || o != 42 {
		t.Errorf("ParsePosition(42) = %d, %d, %v", p, o, err)
	}
	for _, bad := range []string{"1-4", "x", "1:"} {
		if _, _, err := ParsePosition(bad); err == nil {
			t.Errorf("ParsePosition(%q) accepted", bad)
		}
	}
}

func TestParseKind(t *testing.T) {
	for in, want := range map[string]string{"": "", "permanent": "permanent", "Unknown-Schema": "unknown-schema", "MALFORMED": "malformed", "panic": "panic"} {
		if got, err := ParseKind(in); err != nil || got != want {
			t.Errorf("ParseKind(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"permament", "transient", "unclassified", "poison"} {
		if _, err := ParseKind(bad); err == nil || !strings.Contains(err.Error(), bad) || !strings.Contains(err.Error(), "malformed, unknown-schema") {
			t.Errorf("ParseKind(%q) error %v; want one naming the value and the kinds", bad, err)
		}
	}
}

func TestParseSince(t *testing.T) {
	now := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	for in, want := range map[string]time.Time{
		"2h":                   now.Add(-2 * time.Hour),
		"-30m":                 now.Add(-30 * time.Minute),
		"2026-11-24T09:00:00Z": time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC),
	} {
		if got, err := ParseSince(in, now); err != nil || !got.Equal(want) {
			t.Errorf("ParseSince(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	if _, err := ParseSince("yesterday", now); err == nil || !strings.Contains(err.Error(), "yesterday") {
		t.Errorf("ParseSince(yesterday) error %v; want one naming the value", err)
	}
}

func TestFilterMatch(t *testing.T) {
	at := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	l := Letter{
		At:     Position{Topic: "novatrek.support.dlq.g", Partition: 1, Offset: 15},
		Source: Position{Topic: "t1", Partition: 0, Offset: 3},
		Reason: `ERROR: new row violates check constraint "x" (SQLSTATE 23514)`, Kind: "permanent",
		Time: at, EventID: "e1",
	}
	for _, c := range []struct {
		name string
		f    Filter
		want bool
	}{
		{"empty", Filter{}, true},
		{"reason substring any case", Filter{Reason: ParseReason("CHECK CONSTRAINT")}, true},
		{"reason regexp", Filter{Reason: ParseReason(`SQLSTATE 23\d{3}`)}, true},
		{"reason invalid regexp as text", Filter{Reason: ParseReason(`constraint "x" (`)}, true},
		{"reason other", Filter{Reason: ParseReason("timeout")}, false},
		{"kind", Filter{Kind: "malformed"}, false},
		{"topic", Filter{Topic: "t1"}, true},
		{"other topic", Filter{Topic: "t2"}, false},
		{"since before", Filter{Since: at.Add(-time.Second)}, true},
		{"since after", Filter{Since: at.Add(time.Second)}, false},
		{"event id", Filter{EventIDs: []string{"e0", "e1"}}, true},
		{"other event id", Filter{EventIDs: []string{"e2"}}, false},
		{"offsets on every partition", Filter{Offsets: Ranges{{-1, 10, 20}}}, true},
		{"offsets on another partition", Filter{Offsets: Ranges{{0, 10, 20}}}, false},
		{"offsets out of range", Filter{Offsets: Ranges{{1, 16, 20}}}, false},
	} {
		if got := c.f.Match(&l); got != c.want {
			t.Errorf("%s: Match = %v, want %v", c.name, got, c.want)
		}
	}
}
