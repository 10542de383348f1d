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

// TestValueHoldsPAN: a value that is wholly a hex token is an identifier even where its end
// digits are a Luhn-valid run; a card number with anything that is not hex beside it, or
// grouped, is still found — in a value and in a path, where each segment is a value but a
// number grouped by slashes spans segments.
func TestValueHoldsPAN(t *testing.T) {
	const token = "4242424242424242d0c1e2f3a4b5c6d7" // ContainsPAN finds the leading run
	if !pci.ContainsPAN(token) {
		t.Fatalf("ContainsPAN(%q) = false: the case tests nothing", token)
	}
	for _, tt := range []struct {
		in   string
		want bool
	}{
		{token, false},
		{"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", false},
		{"ref-" + token, true},
		{token + " ", true},
		{"4242424242424242deadbeef", true}, // too short to be a token
		{"4242 4242 4242 4242", true},
		{"4242-4242-4242-4242", true},
		{"order 5555555555554444 paid", true},
		{"pm_card_visa", false},
	} {
		if got := pci.ValueHoldsPAN(tt.in); got != tt.want {
			t.Errorf("ValueHoldsPAN(%q) = %v; want %v", tt.in, got, tt.want)
		}
	}
	for _, tt := range []struct {
		in   string
		want bool
	}{
		{"/v1/payments/" + token + "/refunds", false},
		{"/v1/payments/" + token, false},
		{"/v1/payments/" + token + "/refunds/" + token, false},
		{"/v1/payments/x" + token + "/refunds", true},
		{"/v1/payments/4242424242424242/refunds", true},
		{"/v1/payments/" + token + "/4242424242424242", true},
		{"/v1/cards/4242/4242/4242/4242", true},
		{"/v1/payments/1c6e9a0f-5b68-4e9d-8b18-7e2d3c4b5a61", false},
	} {
		if got := pci.PathHoldsPAN(tt.in); got != tt.want {
			t.Errorf("PathHoldsPAN(%q) = %v; want %v", tt.in, got, tt.want)
		}
	}
}
