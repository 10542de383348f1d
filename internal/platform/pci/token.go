package pci

import "strings"

// minHexToken is the fewest characters of a hex token (IsHexToken): 128 bits, the shortest hex digest
// (MD5) and a UUID written without its dashes.
const minHexToken = 32

// IsHexToken reports whether s, as a whole, is a long hexadecimal identifier: at least
// minHexToken hexadecimal characters, one of them a letter, and nothing else — a SHA-256
// or SHA-1 digest, a UUID without its dashes, random bytes hex-encoded.
//
// ContainsPAN masks such runs but keeps the decimal digits at either end, so that a card
// number glued to a hex string is still found; a random token starts or ends with a
// Luhn-valid 13–19 digit run about once in 4,000 (200,000 random keys: 1 in 3,600 of 32
// characters, 1 in 4,500 of 64; a canonical UUID never, its dashes are masked whole).
// A request value of this shape is an identifier, not a card number glued to one
// (ValueHoldsPAN); a value with anything else in it is screened whole.
func IsHexToken(s string) bool {
	if len(s) < minHexToken {
		return false
	}
	letter := false
	for i := 0; i < len(s); i++ {
		if !isHex(s[i]) {
			return false
		}
		letter = letter || s[i] > '9'
	}
	return letter
}

// ValueHoldsPAN reports whether one value of a request — a header, a query parameter name
// or value, a JSON string or object key — holds a card number: ContainsPAN, except that a
// value that is wholly a hex token (IsHexToken) is an identifier. Clients send such
// identifiers everywhere (idempotency keys, request ids, digests, dashless UUIDs), and about
// one random token in 4,000 has a Luhn-valid digit run at one end; refusing it would fail
// one honest request in a few thousand. A card number with anything beside it that is not
// hex (a prefix, separators, a shorter hex string) is still found.
func ValueHoldsPAN(v string) bool {
	return !IsHexToken(v) && ContainsPAN(v)
}

// PathHoldsPAN is ValueHoldsPAN for a URL path: a segment that is wholly a hex token is an
// identifier; the rest of the path is scanned as one text, so a card number grouped by
// slashes ("/4242/4242/4242/4242") is still found.
func PathHoldsPAN(path string) bool {
	if !ContainsPAN(path) {
		return false
	}
	segs := strings.Split(path, "/")
	for i, s := range segs {
		if IsHexToken(s) {
			segs[i] = "#"
		}
	}
	return ContainsPAN(strings.Join(segs, "/"))
}
