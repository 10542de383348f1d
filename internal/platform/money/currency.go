// Package money represents amounts of money exactly: an integer count of a currency's minor
// units (cents, yen, fils) beside its ISO 4217 code. Floats never hold money here.
//
// The minor unit of each currency is the ISO 4217 exponent: USD has 2 (1 dollar = 100
// cents), JPY 0, KWD 3. An amount in minor units is what payment providers take on the wire
// (Stripe's "amount" is an integer in the smallest currency unit), what the ledger sums, and
// what the database stores as bigint; decimals appear only at the edges: JSON APIs exchange
// decimal strings ("12.34"), events carry Avro decimal(18,4) (see ToAvro).
package money

import (
	"fmt"
	"slices"
)

// Currency is an ISO 4217 currency as far as arithmetic needs it.
type Currency struct {
	// Code is the alphabetic code, e.g. "USD".
	Code string
	// Exponent is the number of decimal digits of the minor unit: 2 for USD, 0 for JPY,
	// 3 for KWD.
	Exponent int
}

// exponents holds the ISO 4217 minor-unit exponent of the currencies we accept. A code that
// is not here is refused rather than guessed: a wrong exponent is a factor-of-100 error.
var exponents = map[string]int{
	// Exponent 0.
	"BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0, "KRW": 0,
	"PYG": 0, "RWF": 0, "UGX": 0, "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0, "XPF": 0,
	// Exponent 3.
	"BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3,
	// Exponent 4 (units of account; decimal(18,4) on events still holds them exactly).
	"CLF": 4, "UYW": 4,
	// Exponent 2.
	"AED": 2, "ARS": 2, "AUD": 2, "BGN": 2, "BRL": 2, "CAD": 2, "CHF": 2, "CNY": 2,
	"COP": 2, "CZK": 2, "DKK": 2, "EGP": 2, "EUR": 2, "GBP": 2, "HKD": 2, "HUF": 2,
	"IDR": 2, "ILS": 2, "INR": 2, "KES": 2, "MAD": 2, "MXN": 2, "MYR": 2, "NOK": 2,
	"NZD": 2, "PEN": 2, "PHP": 2, "PLN": 2, "QAR": 2, "RON": 2, "SAR": 2, "SEK": 2,
	"SGD": 2, "THB": 2, "TRY": 2, "TWD": 2, "UAH": 2, "USD": 2, "ZAR": 2,
}

// LookupCurrency returns the currency with the given upper-case ISO 4217 code.
func LookupCurrency(code string) (Currency, error) {
	exp, ok := exponents[code]
	if !ok {
		return Currency{}, fmt.Errorf("money: unsupported currency %q (want an upper-case ISO 4217 code such as USD, EUR, JPY)", code)
	}
	return Currency{Code: code, Exponent: exp}, nil
}

// Currencies returns the supported codes, sorted.
func Currencies() []string {
	out := make([]string, 0, len(exponents))
	for c := range exponents {
		out = append(out, c)
	}
	slices.Sort(out)
	return out
}
