package httpedge

import (
	"iter"
	"net/url"
	"strings"
)

// queryPairs yields each key and value of a raw query, decoded, that url.ParseQuery would
// keep (a pair it refuses, holding a semicolon or a bad escape, is skipped: URL.Query drops
// it too, so no handler sees it). The screens (text.go, cardscreen.go) read every request's
// query; walking it instead of building a url.Values map each time costs no allocation for
// a query without escapes. Unlike url.ParseQuery, it has no limit on the number of pairs:
// past it ParseQuery keeps none, so the handler would see none, and screening them all is
// only stricter.
func queryPairs(rawQuery string) iter.Seq2[string, string] {
	return func(yield func(key, value string) bool) {
		for q := rawQuery; q != ""; {
			var pair string
			pair, q, _ = strings.Cut(q, "&")
			if pair == "" || strings.Contains(pair, ";") {
				continue
			}
			k, v, _ := strings.Cut(pair, "=")
			k, err := url.QueryUnescape(k)
			if err != nil {
				continue
			}
			if v, err = url.QueryUnescape(v); err != nil {
				continue
			}
			if !yield(k, v) {
				return
			}
		}
	}
}
