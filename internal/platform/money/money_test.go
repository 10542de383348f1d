package money_test

import (
	"errors"
	"math/big"
	"testing"

	"github.com/novatrek/support/internal/platform/money"
	"github.com/novatrek/support/schemas"
)

func TestParse(t *testing.T) {
	tests := []struct {
		in, cur string
		minor   int64
		err     error
	}{
		{"12.34", "USD", 1234, nil},
		{"12.3", "USD", 1230, nil},
		{"12", "USD", 1200, nil},
		{"0.01", "USD", 1, nil},
		{"-0.05", "USD", -5, nil},
		{"12.340", "USD", 1234, nil}, // trailing zeros are exact
		{"5000", "JPY", 5000, nil},
		{"1.500", "KWD", 1500, nil},
		{"0.001", "KWD", 1, nil},
		{"12.345", "USD", 0, money.ErrPrecision},
		{"10.5", "JPY", 0, money.ErrPrecision},
		{"1e3", "USD", 0, money.ErrSyntax},
		{"", "USD", 0, money.ErrSyntax},
		{".5", "USD", 0, money.ErrSyntax},
		{"5.", "USD", 0, money.ErrSyntax},
		{"+5", "USD", 0, money.ErrSyntax},
		{" 5", "USD", 0, money.ErrSyntax},
		{"1,000", "USD", 0, money.ErrSyntax},
		{"NaN", "USD", 0, money.ErrSyntax},
		{"100000000000.01", "USD", 0, money.ErrRange},
		{"99999999999999999999999", "JPY", 0, money.ErrRange},
	}
	for _, tt := range tests {
		a, err := money.Parse(tt.in, tt.cur)
		if tt.err != nil {
			if !errors.Is(err, tt.err) {
				t.Errorf("Parse(%q, %s) = %v, %v; want %v", tt.in, tt.cur, a, err, tt.err)
			}
			continue
		}
		if err != nil || a.Minor != tt.minor || a.Currency != tt.cur {
			t.Errorf("Parse(%q, %s) = %+v, %v; want %d", tt.in, tt.cur, a, err, tt.minor)
		}
	}
	if _, err := money.Parse("1", "usd"); err == nil {
		t.Error("Parse with a lower-case code succeeded")
	}
	if _, err := money.Parse("1", "XXX"); err == nil {
		t.Error("Parse with an unknown currency succeeded")
	}
}

func TestDecimalRoundTrip(t *testing.T) {
	for _, a := range []money.Amount{
		{Minor: 1234, Currency: "USD"}, {Minor: 5, Currency: "USD"}, {Minor: -5, Currency: "EUR"},
		{Minor: 0, Currency: "USD"}, {Minor: 5000, Currency: "JPY"}, {Minor: 1, Currency: "KWD"},
		{Minor: money.MaxMinor, Currency: "CLF"},
	} {
		s := a.Decimal()
		back, err := money.Parse(s, a.Currency)
		if err != nil || back != a {
			t.Errorf("%+v → %q → %+v, %v", a, s, back, err)
		}
	}
	if got := (money.Amount{Minor: 5, Currency: "USD"}).String(); got != "0.05 USD" {
		t.Errorf("String = %q", got)
	}
}

func TestAvroRoundTrip(t *testing.T) {
	for _, a := range []money.Amount{
		{Minor: 1234, Currency: "USD"}, {Minor: 5000, Currency: "JPY"}, {Minor: 1500, Currency: "KWD"},
		{Minor: -42, Currency: "GBP"},
	} {
		m, err := a.ToAvro()
		if err != nil {
			t.Fatal(err)
		}
		// Through the real Avro encoding: decimal(18,4) bytes.
		b, err := m.Marshal()
		if err != nil {
			t.Fatalf("marshal %+v: %v", a, err)
		}
		var dec schemas.Money
		if err := dec.Unmarshal(b); err != nil {
			t.Fatal(err)
		}
		back, err := money.FromAvro(dec)
		if err != nil || back != a {
			t.Errorf("%+v → avro → %+v, %v", a, back, err)
		}
	}
	// A value with more places than the currency has is refused, not rounded.
	if _, err := money.FromAvro(schemas.Money{Amount: big.NewRat(105, 10), Currency: "JPY"}); !errors.Is(err, money.ErrPrecision) {
		t.Errorf("FromAvro(10.5 JPY) = %v; want ErrPrecision", err)
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"12.34", "0", "-1.5", "1e9", "00000.0100", "99999999999.99"} {
		f.Add(s, "USD")
		f.Add(s, "JPY")
		f.Add(s, "KWD")
	}
	f.Fuzz(func(t *testing.T, s, cur string) {
		a, err := money.Parse(s, cur)
		if err != nil {
			return
		}
		if a.Minor > money.MaxMinor || a.Minor < -money.MaxMinor {
			t.Fatalf("Parse(%q) = %d beyond MaxMinor", s, a.Minor)
		}
		back, err := money.Parse(a.Decimal(), cur)
		if err != nil || back != a {
			t.Fatalf("Parse(%q) = %+v; re-parse of %q = %+v, %v", s, a, a.Decimal(), back, err)
		}
	})
}
