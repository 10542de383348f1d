package loyalty

import (
	"context"
	"os"
	"testing"

	"github.com/novatrek/support/internal/platform/config"
)

// TestCouchbaseLedgerContract runs the Ledger contract (runLedgerContract, the cases the
// PostgreSQL adapter passes) on the Couchbase adapter, against the server COUCHBASE_URL
// names (with COUCHBASE_USERNAME, COUCHBASE_PASSWORD, COUCHBASE_BUCKET: see README.md). Its
// cases share the bucket: each works on members of its own random guest ids.
func TestCouchbaseLedgerContract(t *testing.T) {
	s := openTestCouchbase(t)
	runLedgerContract(t, func(t *testing.T) ledgerSubject[*cbTx] {
		return ledgerSubject[*cbTx]{Ledger: cbLedger{}, InTx: func(_ context.Context, fn func(*cbTx) error) error {
			return s.inTx(fn)
		}}
	})
}

// openTestCouchbase opens the Couchbase store COUCHBASE_URL names, or skips the test saying
// why: no Couchbase server, no run.
func openTestCouchbase(t *testing.T) *cbStore {
	t.Helper()
	if os.Getenv("COUCHBASE_URL") == "" {
		t.Skip("COUCHBASE_URL is not set: this suite needs a Couchbase 7 server with scope loyalty " +
			"(compose.kafka.yml's couchbase and couchbase-init; see processors/loyalty/README.md)")
	}
	var cfg Config
	getenv := func(k string) string {
		if k == "LOYALTY_STORE" {
			return "couchbase"
		}
		return os.Getenv(k)
	}
	if err := config.Load(getenv, &cfg); err != nil {
		t.Fatal(err)
	}
	s, err := openCouchbase(t.Context(), cfg.StoreConfig)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}
