// Package pci keeps payment card numbers (PANs) out of our services. NovaTrek never handles
// raw card data: cards are tokenized by the payment provider in the guest's browser, and our
// APIs take the provider's token. Anything that looks like a card number in a request is
// therefore a mistake (or worse) and is refused with 400 before any handler, store or log
// line sees it; the response names the field, never the value.
//
// "Looks like a card number" means: 13 to 19 digits, optionally grouped by single spaces or
// dashes ("4242 4242 4242 4242", "4242-4242-4242-4242"), bounded by non-digits, that pass the
// Luhn check. Runs of digits glued to more digits (a 25-digit reference) do not match; about
// one in ten random 13–19 digit numbers passes Luhn, an accepted false-positive rate for
// fields that should never hold such long numbers anyway.
//
// Identifiers are not card numbers, and every request carries some: UUIDs (whose digit
// groups, joined by their dashes, often make a Luhn-valid run — about one request in a few
// hundred would be refused) and long hexadecimal ids such as W3C trace ids. So canonical
// UUIDs and hexadecimal runs of 20 characters or more that contain a letter are masked
// before the scan. A card number glued to such a hex run is missed; that is not how card
// numbers get pasted.
package pci

import (
	"regexp"
	"strings"
)

var uuidPattern = regexp.MustCompile(`[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}`)

// minMaskedHex is the length from which a hexadecimal run with a letter is an identifier.
const minMaskedHex = 20

// ContainsPAN reports whether s contains a card-number-shaped run of digits.
func ContainsPAN(s string) bool {
	if len(s) < 13 {
		return false
	}
	if len(s) >= 36 && strings.IndexByte(s, '-') >= 0 {
		s = uuidPattern.ReplaceAllLiteralString(s, "#")
	}
	return scanDigits(maskHexIDs(s))
}

// maskHexIDs replaces each hexadecimal run of at least minMaskedHex characters containing a
// letter with '#'. It allocates only when it masks something.
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
			b = append(append(b, s[last:i]...), '#')
			last = j
		}
		i = j
	}
	if b == nil {
		return s
	}
	return string(append(b, s[last:]...))
}

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

// scanDigits finds a card-number-shaped, Luhn-valid run of digits.
func scanDigits(s string) bool {
	var buf [19]byte
	n := 0        // digits in the current run (capped: a run beyond 19 cannot match)
	long := false // the current run has more than 19 digits
	end := func() bool {
		ok := !long && n >= 13 && luhn(buf[:n])
		n, long = 0, false
		return ok
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			if n == len(buf) {
				long = true
			} else if !long {
				buf[n] = c
				n++
			}
		case (c == ' ' || c == '-') && n > 0 && i+1 < len(s) && s[i+1] >= '0' && s[i+1] <= '9' &&
			s[i-1] >= '0' && s[i-1] <= '9':
			// A single separator between two digits continues the run.
		default:
			if n > 0 && end() {
				return true
			}
			n, long = 0, false
		}
	}
	return n > 0 && end()
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
