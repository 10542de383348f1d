package analytics

import (
	"strings"
	"testing"
)

// The Oracle store's text handling, which runs without Oracle: the migration's split into
// statements, numbers bound to TO_NUMBER, and NUMBER text made to read as PostgreSQL's.

func TestOracleMigrationSplitsIntoStatements(t *testing.T) {
	text, err := oracleMigrationFiles.ReadFile("migrations-oracle/0001_facts.sql")
	if err != nil {
		t.Fatal(err)
	}
	stmts := oracleStatements(string(text))
	if len(stmts) != 2 {
		t.Fatalf("%d statements, want the PL/SQL block and the index: %q", len(stmts), stmts)
	}
	if !strings.HasPrefix(stmts[0], "BEGIN") || !strings.HasSuffix(stmts[0], "END;") {
		t.Errorf("first statement is not the whole PL/SQL block: %.60q ... %.20q", stmts[0], stmts[0][len(stmts[0])-20:])
	}
	if !strings.HasPrefix(stmts[1], "CREATE INDEX") || strings.HasSuffix(stmts[1], ";") {
		t.Errorf("second statement %q: want a CREATE INDEX without a trailing semicolon (OCI refuses one)", stmts[1])
	}
	for _, s := range stmts {
		if strings.Contains(s, "\n--") {
			t.Errorf("a comment line was kept in %.60q", s)
		}
	}
}

func TestPlainDecimalHasNoExponent(t *testing.T) {
	for in, want := range map[string]string{"1e+06": "1000000", "2.5e-03": "0.0025", "-1.5E+02": "-150", "12.50": "12.50", "4": "4"} {
		if got := plainDecimal(in); got != want {
			t.Errorf("plainDecimal(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestOracleNumberReadsAsPostgres(t *testing.T) {
	for _, c := range []struct{ in, currency, want string }{
		{".5", "", "0.5"}, {"-.25", "", "-0.25"}, {"101.5", "USD", "101.50"}, {"-3", "EUR", "-3.00"},
		{"10000", "JPY", "10000"}, {"7", "", "7"},
	} {
		if got := oracleNumber(c.in, c.currency); got != c.want {
			t.Errorf("oracleNumber(%q, %q) = %q, want %q", c.in, c.currency, got, c.want)
		}
	}
}
