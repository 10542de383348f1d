package location

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/novatrek/support/internal/platform/problem"
)

// FuzzTileCoordinates: any z, x and tile name either parse to a tile that exists at its zoom
// or are a 400 naming the coordinate; nothing panics.
func FuzzTileCoordinates(f *testing.F) {
	for _, s := range [][3]string{{"12", "845", "1555.mvt"}, {"0", "0", "0.mvt"}, {"3", "8", "1.mvt"}, {"23", "0", "0.mvt"},
		{"-1", "0", "0.mvt"}, {"22", "4194303", "4194303.mvt"}, {"2", "1", "1.png"}, {"2", "1", ".mvt"}, {"99999999999999999999", "0", "0"}} {
		f.Add(s[0], s[1], s[2])
	}
	f.Fuzz(func(t *testing.T, zs, xs, file string) {
		z, x, y, err := tileCoordinates(zs, xs, file)
		if err != nil {
			var p *problem.Problem
			if !errors.As(err, &p) || p.Status != 400 {
				t.Fatalf("tileCoordinates(%q, %q, %q) = %v, want a 400 problem", zs, xs, file, err)
			}
			return
		}
		if z < 0 || z > maxZoom || x < 0 || y < 0 || x >= 1<<z || y >= 1<<z || !strings.HasSuffix(file, ".mvt") {
			t.Fatalf("tileCoordinates(%q, %q, %q) accepted %d/%d/%d", zs, xs, file, z, x, y)
		}
	})
}

// FuzzHoursInput: any JSON body decoded into HoursInput either yields rows the table accepts
// (a weekday or a date, times HH:MM, closed dates without times) or a 400 problem; nothing
// panics.
func FuzzHoursInput(f *testing.F) {
	for _, s := range []string{
		`{"weekly":[{"weekday":"monday","opens":"08:00","closes":"17:00"}]}`,
		`{"weekly":[{"weekday":"saturday","opens":"22:00","closes":"02:00"}],"exceptions":[{"date":"2026-12-25","closed":true}]}`,
		`{"exceptions":[{"date":"2026-12-26","opens":"14:00","closes":"15:00"},{"date":"2026-12-26","closed":true}]}`,
		`{"weekly":[{"weekday":"Funday","opens":"8:00","closes":"24:00"}]}`,
		`{"exceptions":[{"date":"2026-02-30","closed":true,"opens":"01:00"}]}`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		var in HoursInput
		if json.Unmarshal([]byte(body), &in) != nil {
			return
		}
		rows, err := in.rows()
		if err != nil {
			var p *problem.Problem
			if !errors.As(err, &p) || p.Status != 400 {
				t.Fatalf("rows(%s) = %v, want a 400 problem", body, err)
			}
			return
		}
		for _, r := range rows {
			if (r.weekday == nil) == (r.date == nil) || (r.weekday != nil && (*r.weekday < 0 || *r.weekday > 6)) {
				t.Fatalf("rows(%s): a row with weekday %v and date %v", body, r.weekday, r.date)
			}
			if r.closed != (r.opens == nil) || (r.opens == nil) != (r.closes == nil) {
				t.Fatalf("rows(%s): closed %v with opens %v closes %v", body, r.closed, r.opens, r.closes)
			}
			for _, c := range []*string{r.opens, r.closes} {
				if c == nil {
					continue
				}
				if _, err := time.Parse("15:04", *c); err != nil || len(*c) != 5 {
					t.Fatalf("rows(%s): time %q", body, *c)
				}
			}
		}
	})
}
