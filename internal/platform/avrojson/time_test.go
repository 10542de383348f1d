package avrojson

import (
	"testing"
	"time"
)

func TestAppendTimeMatchesFormat(t *testing.T) {
	for _, tm := range []time.Time{
		time.Date(2026, 11, 24, 22, 15, 0, 123_456_789, time.UTC),
		time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(1969, 12, 31, 23, 59, 59, 999_000_000, time.FixedZone("x", 3600)),
		time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC),
		time.UnixMilli(-62135596800001), // year 0: the general path
	} {
		for digits, layout := range map[int]string{3: "2006-01-02T15:04:05.000Z07:00", 6: "2006-01-02T15:04:05.000000Z07:00"} {
			if got, want := string(AppendTime(nil, tm, digits)), tm.UTC().Format(layout); got != want {
				t.Errorf("AppendTime(%v, %d) = %s; want %s", tm, digits, got, want)
			}
		}
	}
}

func TestAppendDateMatchesFormat(t *testing.T) {
	for _, days := range []int64{0, -1, 20_000, 2_932_896, -719_162, -719_163, 3_000_000} {
		if got, want := string(appendDate(nil, days)), unixDay(days).Format(layoutDate); got != want {
			t.Errorf("appendDate(%d) = %s; want %s", days, got, want)
		}
	}
}
