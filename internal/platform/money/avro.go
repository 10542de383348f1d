package money

import (
	"fmt"

	"github.com/novatrek/support/schemas"
)

// ToAvro converts the amount to the events' Money record: a decimal(18,4) in major units.
// Every supported currency has at most 4 decimal places, so the conversion is exact.
func (a Amount) ToAvro() (schemas.Money, error) {
	r, err := a.Rat()
	if err != nil {
		return schemas.Money{}, fmt.Errorf("money: to avro: %w", err)
	}
	return schemas.Money{Amount: r, Currency: a.Currency}, nil
}

// FromAvro converts an event's Money to an Amount, refusing a value with more decimal places
// than its currency has.
func FromAvro(m schemas.Money) (Amount, error) {
	a, err := FromRat(m.Amount, m.Currency)
	if err != nil {
		return Amount{}, fmt.Errorf("money: from avro: %w", err)
	}
	return a, nil
}
