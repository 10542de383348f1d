// Package pci keeps payment card numbers (PANs) out of our services. NovaTrek never handles
// raw card data: cards are tokenized by the payment provider in the guest's browser, and our
// APIs take the provider's token. Anything that looks like a card number in a request is
// therefore a mistake (or worse) and is refused with 400 before any handler, store or log
// line sees it (the HTTP edge, internal/platform/httpedge, applies the screen to every service); the
// response names the field, never the value.
//
// "Looks like a card number" means: 13 to 19 digits that pass the Luhn check, bounded by
// non-digits, after normalizing the forms people and scrapers paste them in. The text is
// first put in Unicode NFKC form (full-width and other compatibility digits become ASCII
// digits, a full-width space a space). The digits may then be grouped by separators —
// spaces, dashes, dots, slashes, underscores, tabs and newlines, up to four of them in a row
// ("4242 4242 4242 4242", "4242.4242.4242.4242", "4242 /\n4242...") — as long as every
// group has at least three digits: card numbers are grouped in fours (or 4-6-5), while
// dates, times and phone numbers have groups of one or two digits ("15.01.2024",
// "+1 415 555 0100" is only 10 digits), so they do not join into a long run. A 13-digit
// number must start with 4 (only Visa issued them): millisecond Unix timestamps are 13
// digits too. Runs of digits glued to more digits (a 25-digit reference) do not match; about
// one in ten random 14–19 digit numbers passes Luhn, an accepted false-positive rate for
// fields that should never hold such long numbers anyway.
//
// Identifiers are not card numbers, and every request carries some: UUIDs (whose digit
// groups, joined by their dashes, often make a Luhn-valid run) and long hexadecimal ids such
// as W3C trace ids. So canonical UUIDs and traceparent values are masked before the scan, and
// so is each hexadecimal run of 20 characters or more that contains a letter — except a
// run of decimal digits at its start or end, so a card number glued to a hex string
// ("4242424242424242deadbeef...") is still found. Those kept digits make about one random
// hex token in a few thousand look like a card number; so a request value that is wholly a
// hex token is taken as an identifier instead (ValueHoldsPAN, PathHoldsPAN: token.go). That
// lets through, as a whole value, a card number glued to enough hex to make a 32-character
// token: a form no client sends by accident, which is what the screen is for.
package pci

import (
	"regexp"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

var idPattern = regexp.MustCompile(`[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|` +
	`[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}`)

// minMaskedHex is the length from which a hexadecimal run with a letter is an identifier.
const minMaskedHex = 20

// smallDecimal is a whole value that is a decimal number below 1000 in magnitude with a
// fraction: a coordinate, a ratio, a percentage. Its fraction digits are a measurement's
// precision (a float64 printed in full has up to 17 of them), not an identifier: the
// latitude 40.550000000000004 has 15 fraction digits that happen to pass Luhn. No card
// number is written as three digits, a point and the rest.
var smallDecimal = regexp.MustCompile(`^-?[0-9]{1,3}\.[0-9]+([eE][-+]?[0-9]+)?$`)

// ContainsPAN reports whether s contains a card-number-shaped run of digits.
func ContainsPAN(s string) bool {
	if len(s) < 13 || smallDecimal.MatchString(s) {
		return false
	}
	if !isASCII(s) {
		s = norm.NFKC.String(s)
	}
	if len(s) >= 36 && strings.IndexByte(s, '-') >= 0 {
		s = idPattern.ReplaceAllLiteralString(s, "#")
	}
	return scanDigits(maskHexIDs(s))
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// maskHexIDs replaces each hexadecimal run of at least minMaskedHex characters containing a
// letter with '#', keeping the decimal digits at either end of the run. It allocates only
// when it masks something.
func maskHexIDs(s string) string {
	var b []byte
	last := 0 // s[last:] not yet copied to b
	for i := 0; i < len(s); {
		if !isHex(s[i]) {
			i++
			continue
		}
		j, letter := i, false
		for j < len(s) && isHex(s[j]) {
			letter = letter || s[j] > '9'
			j++
		}
		if letter && j-i >= minMaskedHex {
			head, tail := i, j
			for isDigit(s[head]) {
				head++
			}
			for isDigit(s[tail-1]) {
				tail--
			}
			b = append(append(b, s[last:head]...), '#')
			last = tail
		}
		i = j
	}
	if b == nil {
		return s
	}
	return string(append(b, s[last:]...))
}

func isHex(c byte) bool {
	return isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// isSeparator reports whether c may stand between two digit groups of one card number.
func isSeparator(c byte) bool {
	switch c {
	case ' ', '-', '.', '/', '_', '\t', '\n', '\r':
		return true
	}
	return false
}

// maxSeparators is the longest run of separators that still joins two digit groups.
const maxSeparators = 4

// minGroup is the fewest digits a group joined to others by separators may have.
const minGroup = 3

// scanDigits finds a card-number-shaped, Luhn-valid run of digits (see the package doc).
func scanDigits(s string) bool {
	var sc digitScanner
	seps := 0 // separators since the last digit
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case isDigit(c):
			seps = 0
			sc.digit(c)
		case isSeparator(c):
			if sc.endGroup() {
				return true
			}
			if seps++; seps > maxSeparators && sc.flush() {
				return true
			}
		default:
			seps = 0
			if sc.endGroup() || sc.flush() {
				return true
			}
		}
	}
	return sc.endGroup() || sc.flush()
}

// digitScanner joins digit groups into a window that may be a card number.
type digitScanner struct {
	group  [19]byte
	glen   int // digits in the current group (may exceed len(group))
	window [19]byte
	wlen   int
	long   bool // the window holds more than 19 digits
}

func (d *digitScanner) digit(c byte) {
	if d.glen < len(d.group) {
		d.group[d.glen] = c
	}
	d.glen++
}

// endGroup adds the finished group to the window. A group too short to be part of a card
// number ends the window instead: it reports whether the window was one.
func (d *digitScanner) endGroup() bool {
	n := d.glen
	if n == 0 {
		return false
	}
	d.glen = 0
	if n < minGroup {
		return d.flush()
	}
	if d.long || n > len(d.group) || d.wlen+n > len(d.window) {
		d.long = true
		return false
	}
	d.wlen += copy(d.window[d.wlen:], d.group[:n])
	return false
}

// flush reports whether the window is a card number and starts a new one.
func (d *digitScanner) flush() bool {
	n, long := d.wlen, d.long
	d.wlen, d.long = 0, false
	if long || n < 13 || n == 13 && d.window[0] != '4' {
		return false
	}
	return luhn(d.window[:n])
}

// luhn reports whether the decimal digits d pass the Luhn (mod 10) check.
func luhn(d []byte) bool {
	sum := 0
	double := false
	for i := len(d) - 1; i >= 0; i-- {
		v := int(d[i] - '0')
		if double {
			v *= 2
			if v > 9 {
				v -= 9
			}
		}
		sum += v
		double = !double
	}
	return sum%10 == 0
}
