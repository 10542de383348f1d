package money

import (
	"errors"
	"fmt"
	"math/big"
	"strconv"
	"strings"
)

// MaxMinor bounds every amount's magnitude in minor units (10^13, i.e. 100 billion dollars or
// 10 trillion yen). It keeps sums of many amounts far from int64 overflow and every amount
// inside the events' decimal(18,4).
const MaxMinor = 10_000_000_000_000

// Amount is an exact amount: Minor units of Currency (an ISO 4217 code).
type Amount struct {
	Minor    int64
	Currency string
}

// Errors of Parse, for callers that map them to API problems.
var (
	ErrSyntax    = errors.New("not a plain decimal number")
	ErrPrecision = errors.New("more decimal places than the currency's minor unit")
	ErrRange     = errors.New("amount out of range")
)

// New returns minor units of code, checking the currency and the range.
func New(minor int64, code string) (Amount, error) {
	if _, err := LookupCurrency(code); err != nil {
		return Amount{}, err
	}
	if minor > MaxMinor || minor < -MaxMinor {
		return Amount{}, fmt.Errorf("money: %d minor units of %s: %w", minor, code, ErrRange)
	}
	return Amount{Minor: minor, Currency: code}, nil
}

// Parse reads a decimal string such as "12.34", "-5", "1000.5" in currency code. It accepts
// only digits with an optional leading '-' and one '.', never exponents, spaces or
// thousands separators, and refuses more decimal places than the currency has (JPY "10.5"
// is an error, not 10 or 11): an amount that cannot be represented exactly is refused.
func Parse(value, code string) (Amount, error) {
	cur, err := LookupCurrency(code)
	if err != nil {
		return Amount{}, err
	}
	s := value
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	intPart, frac, hasDot := strings.Cut(s, ".")
	if intPart == "" || (hasDot && frac == "") || !digits(intPart) || !digits(frac) {
		return Amount{}, fmt.Errorf("money: %q: %w", value, ErrSyntax)
	}
	frac = strings.TrimRight(frac, "0")
	if len(frac) > cur.Exponent {
		return Amount{}, fmt.Errorf("money: %q in %s (%d decimal places): %w", value, code, cur.Exponent, ErrPrecision)
	}
	intPart = strings.TrimLeft(intPart, "0")
	if len(intPart)+cur.Exponent > 16 { // beyond MaxMinor for sure; also guards ParseInt
		return Amount{}, fmt.Errorf("money: %q: %w", value, ErrRange)
	}
	minorDigits := intPart + frac + strings.Repeat("0", cur.Exponent-len(frac))
	if minorDigits == "" {
		minorDigits = "0"
	}
	minor, err := strconv.ParseInt(minorDigits, 10, 64)
	if err != nil || minor > MaxMinor {
		return Amount{}, fmt.Errorf("money: %q: %w", value, ErrRange)
	}
	if neg {
		minor = -minor
	}
	return Amount{Minor: minor, Currency: code}, nil
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// Decimal formats the amount with exactly the currency's decimal places: "12.34", "-0.05",
// "1000" (JPY), "1.500" (KWD).
func (a Amount) Decimal() string {
	cur, err := LookupCurrency(a.Currency)
	if err != nil {
		return strconv.FormatInt(a.Minor, 10) + "?"
	}
	neg := a.Minor < 0
	u := uint64(a.Minor)
	if neg {
		u = uint64(-a.Minor)
	}
	s := strconv.FormatUint(u, 10)
	if cur.Exponent > 0 {
		if len(s) <= cur.Exponent {
			s = strings.Repeat("0", cur.Exponent-len(s)+1) + s
		}
		s = s[:len(s)-cur.Exponent] + "." + s[len(s)-cur.Exponent:]
	}
	if neg {
		s = "-" + s
	}
	return s
}

// String is "12.34 USD".
func (a Amount) String() string { return a.Decimal() + " " + a.Currency }

// Rat is the amount in major units as an exact rational (1234 USD cents = 1234/100).
func (a Amount) Rat() (*big.Rat, error) {
	cur, err := LookupCurrency(a.Currency)
	if err != nil {
		return nil, err
	}
	return new(big.Rat).SetFrac(big.NewInt(a.Minor), pow10(cur.Exponent)), nil
}

// FromRat converts major units r of code to an Amount, refusing values that are not a whole
// number of minor units or out of range.
func FromRat(r *big.Rat, code string) (Amount, error) {
	cur, err := LookupCurrency(code)
	if err != nil {
		return Amount{}, err
	}
	if r == nil {
		return Amount{}, fmt.Errorf("money: nil amount in %s: %w", code, ErrSyntax)
	}
	m := new(big.Rat).Mul(r, new(big.Rat).SetInt(pow10(cur.Exponent)))
	if !m.IsInt() {
		return Amount{}, fmt.Errorf("money: %s %s: %w", r.FloatString(6), code, ErrPrecision)
	}
	n := m.Num()
	if !n.IsInt64() || n.Int64() > MaxMinor || n.Int64() < -MaxMinor {
		return Amount{}, fmt.Errorf("money: %s %s: %w", r.FloatString(6), code, ErrRange)
	}
	return Amount{Minor: n.Int64(), Currency: code}, nil
}

func pow10(n int) *big.Int { return new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(n)), nil) }
