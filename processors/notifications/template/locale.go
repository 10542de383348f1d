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

// ValidLocale reports whether locale is a BCP 47 tag of the form templates are keyed by
// (en, fr-CA, ...); other packages validate contact locales with it.
func ValidLocale(locale string) bool { return localePattern.MatchString(locale) }
