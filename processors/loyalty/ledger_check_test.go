package loyalty

import (
	"context"
	"strings"
	"testing"

	"github.com/google/uuid"
)

// TestCheckLedgerFindsABalanceThatLeftItsLedger: the check the soak runs holds after an
// earn, and names the member whose balance no longer equals the sum of its entries.
func TestCheckLedgerFindsABalanceThatLeftItsLedger(t *testing.T) {
	t.Parallel()
	w := start(t)
	guest, res := uuid.NewString(), uuid.NewString()
	w.register(guest)
	w.complete(res, guest, "120.00", "USD")
	ctx := context.Background()
	c, err := CheckLedger(ctx, w.DB)
	if err != nil || c.Members != 1 || c.Entries != 1 || len(c.Problems) != 0 {
		t.Fatalf("after an earn: %+v, %v; want 1 member, 1 entry, no problem", c, err)
	}
	if _, err := w.DB.Exec(ctx, `UPDATE loyalty.members SET balance = balance + 5 WHERE guest_id = $1`, guest); err != nil {
		t.Fatal(err)
	}
	c, err = CheckLedger(ctx, w.DB)
	if err != nil || len(c.Problems) != 1 || !strings.Contains(c.Problems[0], guest) {
		t.Fatalf("after the balance drifted: %+v, %v; want one problem naming %s", c, err, guest)
	}
}
