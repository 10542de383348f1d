package pci_test

import (
	"testing"

	"github.com/google/uuid"
	"golang.org/x/text/unicode/norm"

	"github.com/novatrek/support/internal/platform/pci"
)

func TestContainsPAN(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"4242424242424242", true},                      // Visa test card
		{"4242 4242 4242 4242", true},                   // grouped by spaces
		{"4242-4242-4242-4242", true},                   // grouped by dashes
		{"card: 5555555555554444.", true},               // Mastercard inside text
		{"378282246310005", true},                       // Amex, 15 digits
		{"6011111111111117", true},                      // Discover
		{"4000056655665556", true},                      // Visa debit
		{"abc4242424242424242xyz", true},                // glued to letters
		{"4222222222222", true},                         // 13-digit Visa
		{"4242424242424241", false},                     // fails Luhn
		{"424242424242", false},                         // 12 digits
		{"42424242424242424242", false},                 // 20 digits
		{"12345678-1234-1234-1234-123456789012", false}, // a UUID
		{"pm_card_visa", false},
		{"5000", false},
		{"", false},
		{"4242 4242 4242 4242 and 1", true},
		{"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", false}, // a traceparent
		{"id 4242424242424242 in 1c6e9a0f-5b68-4e9d-8b18-7e2d3c4b5a61", true},
	}
	for _, tt := range tests {
		if got := pci.ContainsPAN(tt.in); got != tt.want {
			t.Errorf("ContainsPAN(%q) = %v; want %v", tt.in, got, tt.want)
		}
	}
}

// TestContainsPANForms covers the forms people and scrapers paste card numbers in: each is
// normalized (NFKC, separators) before the Luhn scan.
func TestContainsPANForms(t *testing.T) {
	for _, tt := range []struct{ form, in string }{
		{"dots", "4242.4242.4242.4242"},
		{"slashes", "4242/4242/4242/4242"},
		{"underscores", "4242_4242_4242_4242"},
		{"newlines", "4242\n4242\n4242\n4242"},
		{"CRLF and a tab", "4242\r\n4242\t4242 4242"},
		{"double spaces", "4242  4242  4242  4242"},
		{"separators mixed in a run", "4242 - 4242 / 4242 . 4242"},
		{"Amex 4-6-5", "3782 822463 10005"},
		{"full-width digits", "４２４２４２４２４２４２４２４２"},
		{"full-width digits and spaces", "４２４２　４２４２　４２４２　４２４２"},
		{"full-width hyphens", "４２４２－４２４２－４２４２－４２４２"},
		{"mathematical digits", "𝟒𝟐𝟒𝟐𝟒𝟐𝟒𝟐𝟒𝟐𝟒𝟐𝟒𝟐𝟒𝟐"},
		{"glued to hex after", "4242424242424242deadbeefcafebabe0123"},
		{"glued to hex before", "deadbeefcafebabe4242424242424242"},
		{"in a recipient id", "GUEST:4242424242424242"},
		{"before a NUL", "4242424242424242\x00"},
		{"dot after twelve digits", "424242424242.4242"},
		{"a decimal in text", "lat 40.550000000000004"},
	} {
		if !pci.ContainsPAN(tt.in) {
			t.Errorf("%s: ContainsPAN(%q) = false", tt.form, tt.in)
		}
	}
}

// TestOrdinaryDataIsNotCardNumbers: the forms above must not turn everyday values into
// refusals.
func TestOrdinaryDataIsNotCardNumbers(t *testing.T) {
	for _, tt := range []struct{ what, in string }{
		{"RFC 3339 timestamp", "2026-12-07T11:31:23.463123456Z"},
		{"timestamps in a row", "2026-12-07 11:31:23 2026-12-08 09:00:00"},
		{"dates in a row", "15.01.2024 16.01.2024 17/01/2024 2024/01/18"},
		{"millisecond Unix time", "1765107083463"},
		{"E.164 phones", "+14155550100 +14155550101, +44 20 7946 0958"},
		{"grouped phone", "+1 415 555 0100 / +1 415 555 0101"},
		{"amount", "12345.67 USD"},
		{"version and IP", "v1.22.333 10.0.0.255"},
		{"W3C traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"},
		{"uuid without dashes", "4bf92f3577b34da6a3ce929d0e0e4736"},
		{"token", "pm_card_visa"},
		{"FCM token", "fcm_dQw4w9WgXcQ:APA91bH-1234_5678abcd"},
		{"latitude printed in full", "40.550000000000004"},
		{"negative fraction", "-0.4242424242424242"},
		{"exponent", "1.4242424242424242e-05"},
	} {
		if pci.ContainsPAN(tt.in) {
			t.Errorf("%s: ContainsPAN(%q) = true", tt.what, tt.in)
		}
	}
}

// UUIDs must never be mistaken for card numbers: every request carries several. Their digit
// groups joined by dashes are Luhn-valid runs often enough that an unmasked scan refuses
// about one random UUID in a few hundred.
func TestUUIDsAreNotCardNumbers(t *testing.T) {
	// All-digit groups: 1-2345-6789-0123-4567890 is a 21-digit run if joined, and
	// 8-4-4 groups make 16 digits.
	for _, s := range []string{
		"12345678-1234-5678-9abc-def012345678",
		"a1234567-8901-2345-6789-01234567890b",
		"42424242-4242-4242-abcd-ef0123456789",
	} {
		if pci.ContainsPAN(s) {
			t.Errorf("ContainsPAN(%q) = true", s)
		}
	}
	for i := 0; i < 50000; i++ {
		s := uuid.NewString()
		if pci.ContainsPAN(s) || pci.ContainsPAN(`{"guest_id":"`+s+`"}`) || pci.ContainsPAN("/v1/payments/"+s+"/refunds") {
			t.Fatalf("random UUID %s taken for a card number", s)
		}
	}
}

func TestScanJSON(t *testing.T) {
	tests := []struct {
		doc, path string
		found     bool
	}{
		{`{"a":"x","note":"4242 4242 4242 4242"}`, "note", true},
		{`{"a":{"b":[1,"2",{"c":4242424242424242}]}}`, "a.b.2.c", true},
		{`{"4242424242424242":1}`, pci.RedactedKey, true}, // the key itself is never echoed
		{`{"a":{"x 4242.4242.4242.4242":{"b":1}}}`, "a." + pci.RedactedKey, true},
		{`["x","y","5555555555554444"]`, "2", true},
		{`{"amount":{"amount":"50.00","currency":"USD"},"guest_id":"7f9c4a7e-1111-4222-8333-944444444444"}`, "", false},
		{`{"broken": "4242424242424242"`, "broken", true}, // tokens before the syntax error are scanned
		{`{"a": 1 "4242424242424242"}`, "$body", true},    // after it, the text is
		{`{"broken": "fine"`, "", false},
	}
	for _, tt := range tests {
		path, found := pci.ScanJSON([]byte(tt.doc))
		if found != tt.found || path != tt.path {
			t.Errorf("ScanJSON(%s) = %q, %v; want %q, %v", tt.doc, path, found, tt.path, tt.found)
		}
	}
}

// FuzzContainsPAN checks properties that hold for any text; its seed corpus (besides the
// seeds below) is in testdata/fuzz/FuzzContainsPAN.
func FuzzContainsPAN(f *testing.F) {
	for _, s := range []string{"4242424242424242", "4242 4242 4242 4242", "x-4242-4242-4242-4242-", "1234", " - ",
		"４２４２　４２４２", "4242.4242/4242_4242", "2026-12-07T11:31:23Z"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := pci.ContainsPAN(s)
		// Wrapping in letters never changes the answer (boundaries are non-digits).
		if again := pci.ContainsPAN("x" + s + "x"); again != got {
			t.Fatalf("ContainsPAN(%q) = %v but with letters around = %v", s, got, again)
		}
		// The scan works on the NFKC form: normalizing first changes nothing.
		if norm := pci.ContainsPAN(norm.NFKC.String(s)); norm != got {
			t.Fatalf("ContainsPAN(%q) = %v but of its NFKC form = %v", s, got, norm)
		}
		// A card number set apart from the text is always found, whatever precedes it.
		if !pci.ContainsPAN(s + "\x00card 4242.4242.4242.4242") {
			t.Fatalf("a card number after %q is missed", s)
		}
		pci.ScanJSON([]byte(s)) // must not panic
	})
}
