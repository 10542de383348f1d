package procurement

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/novatrek/support/internal/platform/money"
)

// Config is the service's own settings, read by config.Load (an unset variable takes the
// default tag) and checked by parse before anything runs.
type Config struct {
	// SecondApprovalAbove is "<amount> <currency>": an order whose total exceeds it needs a
	// second approver. An order in another currency always does (no exchange rates here:
	// when in doubt, two people look).
	SecondApprovalAbove string `env:"PROCUREMENT_SECOND_APPROVAL_ABOVE" default:"5000.00 USD"`
	// ServiceLevel is the probability of not running out during a lead time that the safety
	// stock buys, between 0.5 and 1.
	ServiceLevel string `env:"PROCUREMENT_SERVICE_LEVEL" default:"0.95"`
	// DemandWindowDays is how many days of consumption the demand figures are taken over.
	DemandWindowDays int `env:"PROCUREMENT_DEMAND_WINDOW_DAYS" default:"28"`
}

// settings are Config parsed.
type settings struct {
	threshold money.Amount
	z         float64
	window    int
}

func (c Config) parse() (settings, error) {
	var s settings
	value, code, ok := strings.Cut(strings.TrimSpace(c.SecondApprovalAbove), " ")
	if !ok {
		return s, fmt.Errorf("PROCUREMENT_SECOND_APPROVAL_ABOVE %q is not \"<amount> <currency>\" such as \"5000.00 USD\"", c.SecondApprovalAbove)
	}
	a, err := money.Parse(value, strings.TrimSpace(code))
	if err != nil || a.Minor < 0 {
		return s, fmt.Errorf("PROCUREMENT_SECOND_APPROVAL_ABOVE %q is not a non-negative amount and currency such as \"5000.00 USD\"", c.SecondApprovalAbove)
	}
	s.threshold = a
	p, err := strconv.ParseFloat(strings.TrimSpace(c.ServiceLevel), 64)
	if err != nil {
		return s, fmt.Errorf("PROCUREMENT_SERVICE_LEVEL %q is not a number such as 0.95", c.ServiceLevel)
	}
	if s.z, err = ZScore(p); err != nil {
		return s, fmt.Errorf("PROCUREMENT_SERVICE_LEVEL: %w", err)
	}
	if c.DemandWindowDays < 2 || c.DemandWindowDays > 366 {
		return s, fmt.Errorf("PROCUREMENT_DEMAND_WINDOW_DAYS %d is not between 2 and 366 (a spread needs two days)", c.DemandWindowDays)
	}
	s.window = c.DemandWindowDays
	return s, nil
}

// needsSecondApproval reports whether an order of total needs two approvers.
func (s settings) needsSecondApproval(total money.Amount) bool {
	return total.Currency != s.threshold.Currency || total.Minor > s.threshold.Minor
}
