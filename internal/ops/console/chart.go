package console

import (
	"encoding/json"
	"maps"
	"slices"
	"time"
)

// chart is one chart of a page: console.js draws Spec with uPlot, or the page says Err
// (why there is nothing to draw) in its place.
type chart struct {
	ID      string
	Title   string
	Caption string
	Spec    string
	Err     string
}

// timeSeries gathers named series of values per day (YYYY-MM-DD) into uPlot's columns: the
// days in order as Unix seconds, then each series with null where it has no value that day.
type timeSeries struct {
	names  []string
	values map[string]map[string]float64 // series -> day -> value
}

// declare adds series that have no values yet, fixing their order.
func (s *timeSeries) declare(names ...string) {
	if s.values == nil {
		s.values = map[string]map[string]float64{}
	}
	for _, n := range names {
		if _, ok := s.values[n]; !ok {
			s.names = append(s.names, n)
			s.values[n] = map[string]float64{}
		}
	}
}

func (s *timeSeries) add(name, day string, v float64) {
	s.declare(name)
	s.values[name][day] += v
}

// empty says no series has a value.
func (s *timeSeries) empty() bool {
	for _, byDay := range s.values {
		if len(byDay) > 0 {
			return false
		}
	}
	return true
}

// columns are the x column (Unix seconds of each day that has a value) and one column per
// series in the order they were first added.
func (s *timeSeries) columns() []any {
	days := map[string]bool{}
	for _, byDay := range s.values {
		for d := range byDay {
			days[d] = true
		}
	}
	sorted := slices.Sorted(maps.Keys(days))
	xs := make([]int64, 0, len(sorted))
	for _, d := range sorted {
		t, err := time.Parse(time.DateOnly, d)
		if err != nil {
			continue // the API answers dates; a bucket that is not one has no place on a time axis
		}
		xs = append(xs, t.Unix())
	}
	cols := []any{xs}
	for _, n := range s.names {
		col := make([]*float64, 0, len(xs))
		for _, d := range sorted {
			if _, err := time.Parse(time.DateOnly, d); err != nil {
				continue
			}
			if v, ok := s.values[n][d]; ok {
				col = append(col, &v)
			} else {
				col = append(col, nil)
			}
		}
		cols = append(cols, col)
	}
	return cols
}

// spec is the JSON console.js draws: kind "time" (x is Unix seconds) or "bars" (x is the
// index of labels), the axes' labels, the series' names and the data columns; bands pair
// series (1-based, as uPlot counts them) whose area between is shaded: an interval.
func spec(kind, xlabel, ylabel string, series []string, data []any, labels []string, bands [][2]int) string {
	m := map[string]any{"kind": kind, "xlabel": xlabel, "ylabel": ylabel, "series": series, "data": data}
	if labels != nil {
		m["labels"] = labels
	}
	if bands != nil {
		m["bands"] = bands
	}
	b, _ := json.Marshal(m) // numbers, strings and nulls always marshal
	return string(b)
}
