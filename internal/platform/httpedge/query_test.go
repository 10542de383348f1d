package httpedge

import (
	"maps"
	"net/url"
	"slices"
	"testing"
)

// TestQueryPairsAreWhatParseQueryKeeps: the screens' walk of a query yields exactly the
// pairs URL.Query gives handlers (escapes, '+', empty and repeated keys, a pair without '=',
// semicolons and bad escapes skipped).
func TestQueryPairsAreWhatParseQueryKeeps(t *testing.T) {
	t.Parallel()
	for _, raw := range []string{
		"", "lat=37.7456&lon=-119.5936", "a=1&a=2&b", "&&a=&=b&", "q=%00&r=%C3%A9+x", "k%20ey=v%2Bw",
		"a=1;b=2&c=3", "bad=%zz&good=1", "%gg=1&x=%4", "n=4111+1111+1111+1111", "=&==&a==b",
	} {
		want, _ := url.ParseQuery(raw)
		got := url.Values{}
		for k, v := range queryPairs(raw) {
			got[k] = append(got[k], v)
		}
		if !maps.EqualFunc(got, want, slices.Equal) {
			t.Errorf("query %q: walked %v, ParseQuery keeps %v", raw, got, want)
		}
	}
}

// TestQueryPairsOfAPlainQueryAllocateNothing: what every request's screens now cost for a
// query without escapes (url.Values cost a map and a slice per key, twice per request).
// Not parallel: testing.AllocsPerRun refuses to run beside other tests.
func TestQueryPairsOfAPlainQueryAllocateNothing(t *testing.T) {
	allocs := testing.AllocsPerRun(100, func() {
		for k, v := range queryPairs("lat=37.7456&lon=-119.5936&location_id=LOC-YOSEMITE") {
			_, _ = k, v
		}
	})
	if allocs != 0 {
		t.Errorf("walking a plain query allocates %v times, want 0", allocs)
	}
}
