package offsetspec

import (
	"strings"
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	now := time.Date(2026, 11, 24, 22, 0, 0, 0, time.UTC)
	cases := []struct {
		in   string
		kind Kind
		off  int64
		at   time.Time
	}{
		{"start", Start, 0, time.Time{}},
		{"Earliest", Start, 0, time.Time{}},
		{"end", End, 0, time.Time{}},
		{"latest", End, 0, time.Time{}},
		{"1500", Offset, 1500, time.Time{}},
		{"0", Offset, 0, time.Time{}},
		{"-1h", Time, 0, now.Add(-time.Hour)},
		{"-1h30m", Time, 0, now.Add(-90 * time.Minute)},
		{"-2d", Time, 0, now.Add(-48 * time.Hour)},
		{"-1d12h", Time, 0, now.Add(-36 * time.Hour)},
		{"2026-11-24T21:00:00Z", Time, 0, now.Add(-time.Hour)},
		{"2026-11-24T22:00:00.5+01:00", Time, 0, now.Add(-time.Hour + 500*time.Millisecond)},
		{"2026-11-24", Time, 0, time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)},
	}
	for _, tc := range cases {
		s, err := Parse(tc.in, now)
		if err != nil {
			t.Errorf("Parse(%q): %v", tc.in, err)
			continue
		}
		if s.Kind != tc.kind || s.Offset != tc.off || !s.Time.Equal(tc.at) {
			t.Errorf("Parse(%q) = %+v; want kind %d offset %d time %v", tc.in, s, tc.kind, tc.off, tc.at)
		}
		if s.String() != tc.in {
			t.Errorf("Parse(%q).String() = %q", tc.in, s.String())
		}
	}
	for in, want := range map[string]string{
		"":           "empty position",
		"-5":         "cannot be negative",
		"yesterday":  "want start, end",
		"-1y":        "not a duration",
		"-0s":        "not a positive duration",
		"2026-13-01": "want start, end",
	} {
		if _, err := Parse(in, now); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Parse(%q) err = %v; want %q", in, err, want)
		}
	}
}
