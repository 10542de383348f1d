package analytics

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/novatrek/support/internal/testkit/servicetest"
	"github.com/novatrek/support/processors/payments"
	"github.com/novatrek/support/schemas"
)

// TestReconcileAgainstTheRealPaymentsService: svc-payments (run for real, on its fake PSP
// and fraud service) takes a deposit and announces it; svc-analytics consumes the
// announcement and its day reconciles clean against svc-payments' own summary. Once our
// fact is off by 1.00, the day's captured total and that payment are listed as mismatches,
// in minor units, and the revenue report shows them.
func TestReconcileAgainstTheRealPaymentsService(t *testing.T) {
	t.Parallel()
	pay := servicetest.Start(t, payments.Spec)
	svc := start(t, servicetest.WithoutWorkers("reconciliation"),
		servicetest.WithEnv("ANALYTICS_PAYMENTS_URL", pay.URL, "ANALYTICS_PAYMENTS_TOKEN", servicetest.Token(payments.CallerAnalytics)))
	ctx := context.Background()

	r := pay.Call(payments.CallerReservations, "POST", "/v1/deposits", map[string]any{
		"reservation_id": uuid.NewString(), "guest_id": uuid.NewString(), "capture": true,
		"amount": map[string]string{"amount": "120.00", "currency": "USD"}, "payment_method_token": "pm_card_visa",
	}, "Idempotency-Key", uuid.NewString())
	if r.Status != http.StatusCreated && r.Status != http.StatusOK {
		t.Fatalf("deposit = %d %s", r.Status, r.Body)
	}
	processed := servicetest.AwaitEvent[schemas.PaymentProcessed](pay, "novatrek.support.payment.processed",
		func(e *schemas.PaymentProcessed) bool { return e.Status == "CAPTURED" })
	svc.Publish("novatrek.support.payment.processed", processed.PaymentID, &processed)
	svc.AwaitApplied(processed.Metadata.EventID)

	today := time.Now().UTC()
	clean, err := svc.State.reconcileDay(ctx, today)
	if err != nil {
		t.Fatal(err)
	}
	if len(clean) != 0 {
		t.Fatalf("a day with one captured deposit on both sides: mismatches %+v, want none", clean)
	}

	if _, err := svc.DB.Exec(ctx, `UPDATE analytics.revenue_metrics SET value = value + 1 WHERE reference_id = $1`, processed.PaymentID); err != nil {
		t.Fatal(err)
	}
	off, err := svc.State.reconcileDay(ctx, today)
	if err != nil {
		t.Fatal(err)
	}
	want := []mismatch{
		{Day: today.Format(time.DateOnly), Currency: "USD", Field: "captured", Ours: 12100, Theirs: 12000},
		{Day: today.Format(time.DateOnly), Currency: "USD", Field: "captured", PaymentID: processed.PaymentID, Ours: 12100, Theirs: 12000},
	}
	if len(off) != len(want) || off[0] != want[0] || off[1] != want[1] {
		t.Fatalf("mismatches %+v, want %+v", off, want)
	}
	var report struct{ Rows []mismatch }
	svc.Call(CallerFinanceOps, "GET", "/v1/revenue?group=reconciliation", nil).JSON(t, &report)
	if len(report.Rows) != 2 || report.Rows[1] != want[1] {
		t.Errorf("revenue?group=reconciliation rows %+v, want %+v", report.Rows, want)
	}
}
