// Package pcitest holds the checks of the "card numbers are never stored or logged" test
// that every service with an API runs: send card numbers in every kind of input, then
// scan the answers, every table of the service's schema and every log line.
package pcitest

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/novatrek/support/internal/platform/pci"
)

// PANs are well-known test card numbers (Luhn-valid) in the shapes people paste them.
var PANs = []string{"4242424242424242", "4242 4242 4242 4242", "5555-5555-5555-4444", "378282246310005", "6011111111111117", "4000056655665556"}

// Digits returns the digits of s: a card number in any grouping reduces to the same string.
func Digits(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, s)
}

// holdsPAN reports which of PANs s holds, in any grouping ("" for none).
func holdsPAN(s string) string {
	flat := Digits(s)
	for _, pan := range PANs {
		if strings.Contains(flat, Digits(pan)) {
			return pan
		}
	}
	return ""
}

// CheckAnswer fails t when an answer echoes one of PANs.
func CheckAnswer(t testing.TB, what string, body []byte) {
	t.Helper()
	if pan := holdsPAN(string(body)); pan != "" {
		t.Errorf("%s: the response echoes card number %s: %s", what, pan, body)
	}
}

// CheckStore scans every column of every table of schema — text as text, bytea (outbox
// values, hashes) as raw bytes — for PANs and card-number-shaped text. It fails t when it
// scanned fewer than minValues values: the scan would prove nothing.
func CheckStore(t testing.TB, ctx context.Context, pool *pgxpool.Pool, schema string, minValues int) {
	t.Helper()
	rows, err := pool.Query(ctx, `SELECT tablename FROM pg_tables WHERE schemaname = $1 ORDER BY 1`, schema)
	if err != nil {
		t.Fatal(err)
	}
	tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	scanned := 0
	for _, table := range tables {
		rows, err := pool.Query(ctx, `SELECT * FROM `+pgx.Identifier{schema, table}.Sanitize())
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			vals, err := rows.Values()
			if err != nil {
				t.Fatal(err)
			}
			for i, v := range vals {
				var s string
				switch v := v.(type) {
				case string:
					s = v
					if pci.ContainsPAN(s) {
						t.Errorf("table %s column %s holds a card-number-shaped value", table, rows.FieldDescriptions()[i].Name)
					}
				case []byte:
					s = string(v)
				default:
					s = fmt.Sprint(v)
				}
				scanned++
				if pan := holdsPAN(s); pan != "" {
					t.Errorf("table %s column %s holds card number %s", table, rows.FieldDescriptions()[i].Name, pan)
				}
			}
		}
		rows.Close()
	}
	if scanned < minValues {
		t.Fatalf("scanned only %d values; the scan is not looking at the data", scanned)
	}
}

var uuidPattern = regexp.MustCompile(`[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}`)

// CheckLogs fails t for every log line holding one of PANs or a card-number-shaped value.
func CheckLogs(t testing.TB, logs string) {
	t.Helper()
	for _, line := range strings.Split(logs, "\n") {
		if pan := holdsPAN(line); pan != "" {
			t.Errorf("a log line holds card number %s: %s", pan, line)
		}
		if pci.ContainsPAN(uuidPattern.ReplaceAllString(line, "<uuid>")) {
			t.Errorf("a log line holds a card-number-shaped value: %s", line)
		}
	}
}
