package template

import "strings"

// DefaultLocale is the last locale Resolve tries; every template should exist in it.
const DefaultLocale = "en"

// FallbackChain returns the locales Resolve tries for locale, most specific first:
// "fr-CA" → ["fr-CA", "fr", "en"]; "en-GB" → ["en-GB", "en"]; "en" → ["en"].
func FallbackChain(locale string) []string {
	var out []string
	for l := locale; l != ""; {
		out = append(out, l)
		i := strings.LastIndexByte(l, '-')
		if i < 0 {
			break
		}
		l = l[:i]
	}
	for _, l := range out {
		if strings.EqualFold(l, DefaultLocale) {
			return out
		}
	}
	return append(out, DefaultLocale)
}
