package analytics

import (
	"fmt"
	"time"

	"github.com/novatrek/support/internal/platform/money"
	"github.com/novatrek/support/schemas"
)

// table is one of the domain spec's six fact tables.
type table int

// The six fact tables (migrations/0001_facts.sql), in the order checksums list them.
const (
	bookingMetrics table = iota
	revenueMetrics
	utilizationMetrics
	satisfactionScores
	safetyMetrics
	guidePerformance
	tableCount
)

// tableNames are the tables' SQL names; a constant list, so SQL built from them is safe.
var tableNames = [tableCount]string{"booking_metrics", "revenue_metrics", "utilization_metrics",
	"satisfaction_scores", "safety_metrics", "guide_performance"}

func (t table) String() string { return tableNames[t] }

// fact is one row of a fact table: a measurement an event implies at the event's own time.
// Its identity is the event id and its position among the event's rows (seq, assigned by
// the writer in mapping order), so the same event always yields the same keys.
type fact struct {
	table  table
	at     time.Time
	metric string
	// Dimensions; "" is NULL.
	trip, guide, location, guest, reservation, reference, category string
	// currency is the ISO 4217 code when value is money, else "".
	currency string
	// value is a decimal string (exact for money).
	value string
}

// count is a fact whose value is 1: something happened once.
func count(t table, at time.Time, metric string) fact {
	return fact{table: t, at: at, metric: metric, value: "1"}
}

// quantity is a fact whose value is a number n.
func quantity[N int | int64](t table, at time.Time, metric string, n N) fact {
	return fact{table: t, at: at, metric: metric, value: fmt.Sprint(n)}
}

// measure is a fact whose value is a float (a rating, a logged metric).
func measure(t table, at time.Time, metric string, v float64) fact {
	return fact{table: t, at: at, metric: metric, value: fmt.Sprint(v)}
}

// amount is a money fact: the exact decimal and its currency, negated when sign < 0 (a
// refund or a lost dispute takes money back). A malformed amount or unknown currency is an
// error the caller turns into a dead letter.
func amount(t table, at time.Time, metric string, m schemas.Money, sign int) (fact, error) {
	a, err := money.FromAvro(m)
	if err != nil {
		return fact{}, fmt.Errorf("%s: %w", metric, err)
	}
	if sign < 0 {
		a.Minor = -a.Minor
	}
	return fact{table: t, at: at, metric: metric, currency: a.Currency, value: a.Decimal()}, nil
}

// deref is *s or "".
func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
