package pci_test

import (
	"testing"

	"github.com/novatrek/support/internal/platform/pci"
)

// TestIsHexToken: only a whole value of 32 or more hex characters with a letter is a token;
// a card number, grouped or prefixed, or glued to a shorter hex string, is not.
func TestIsHexToken(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want bool
	}{
		{"4242424242424242d0c1e2f3a4b5c6d7", true},                                 // 32: a dashless UUID's length
		{"4242424242424242D0C1E2F3A4B5C6D7", true},                                 // upper case
		{"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", true}, // SHA-256 of ""
		{"4242424242424242d0c1e2f3a4b5c6d", false},                                 // 31
		{"42424242424242424242424242424242", false},                                // no letter: digits only
		{"4242424242424242deadbeef", false},
		{"4242424242424242", false},
		{"1c6e9a0f-5b68-4e9d-8b18-7e2d3c4b5a61", false}, // dashes: ContainsPAN masks a UUID itself
		{"key-e3b0c44298fc1c149afbf4c8996fb92427ae41e4", false},
		{"", false},
	} {
		if got := pci.IsHexToken(tt.in); got != tt.want {
			t.Errorf("IsHexToken(%q) = %v; want %v", tt.in, got, tt.want)
		}
	}
}
