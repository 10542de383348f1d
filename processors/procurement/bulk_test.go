package procurement

import (
	"net/http"
	"strings"
	"testing"

	"github.com/google/uuid"
)

// TestBulkAdjustmentsAreOneTransaction: an array of adjustments (two of one item, in
// request order) is booked in one transaction with its Idempotency-Key, each adjustment
// answered in request order; a replay answers the same; an array with one adjustment that
// would take stock negative, or one invalid field, writes nothing and names the item.
func TestBulkAdjustmentsAreOneTransaction(t *testing.T) {
	t.Parallel()
	h := start(t, harnessOption{})
	adj := func(sku string, kind Kind, q int) map[string]any {
		return map[string]any{"sku": sku, "location_id": "WH-1", "kind": kind, "quantity": q, "reason": "count", "source": "count"}
	}
	body := []map[string]any{adj("GEAR-TENT-2P", KindReceipt, 10), adj("GEAR-BAG-0C", KindReceipt, 5), adj("GEAR-TENT-2P", KindConsumption, 4)}
	key := uuid.NewString()
	r := h.svc.Call(CallerProcurementOps, "POST", "/v1/stock-adjustments", body, "Idempotency-Key", key)
	if r.Status != http.StatusCreated {
		t.Fatalf("bulk = %d %s", r.Status, r.Body)
	}
	var out struct {
		Items []struct {
			AdjustmentID string    `json:"adjustment_id"`
			Level        levelView `json:"stock_level"`
		} `json:"items"`
	}
	r.JSON(t, &out)
	if len(out.Items) != 3 || out.Items[0].Level.OnHand != 10 || out.Items[1].Level.OnHand != 5 || out.Items[2].Level.OnHand != 6 ||
		out.Items[1].Level.SKU != "GEAR-BAG-0C" {
		t.Fatalf("items = %+v; want the tent at 10, the bag at 5, the tent at 6", out.Items)
	}
	if n := h.count(`SELECT count(DISTINCT xmin::text) FROM (SELECT xmin FROM procurement.stock_adjustments
		UNION ALL SELECT xmin FROM procurement.idempotency_keys WHERE key = $1) x`, key); n != 1 {
		t.Errorf("the adjustments and their key were written in %d transactions; want 1", n)
	}
	again := h.svc.Call(CallerProcurementOps, "POST", "/v1/stock-adjustments", body, "Idempotency-Key", key)
	if again.Status != http.StatusCreated || again.Header.Get("Idempotent-Replayed") != "true" || string(again.Body) != string(r.Body) {
		t.Errorf("replay = %d %s", again.Status, again.Body)
	}

	overdraw := []map[string]any{adj("GEAR-BAG-0C", KindReceipt, 1), adj("GEAR-TENT-2P", KindConsumption, 1), adj("GEAR-TENT-2P", KindLoss, 99)}
	if r := h.call("POST", "/v1/stock-adjustments", overdraw); r.Status != http.StatusConflict ||
		!strings.Contains(string(r.Body), `"item":2`) || !strings.Contains(string(r.Body), "insufficient-stock") {
		t.Errorf("overdraw = %d %s; want 409 insufficient-stock naming item 2", r.Status, r.Body)
	}
	bad := []map[string]any{adj("GEAR-BAG-0C", KindReceipt, 1), adj("GEAR-TENT-2P", KindConsumption, 0)}
	if r := h.call("POST", "/v1/stock-adjustments", bad); r.Status != http.StatusBadRequest || !strings.Contains(string(r.Body), `"[1].quantity"`) {
		t.Errorf("invalid item = %d %s; want 400 naming [1].quantity", r.Status, r.Body)
	}
	if r := h.call("POST", "/v1/stock-adjustments", []map[string]any{}); r.Status != http.StatusBadRequest {
		t.Errorf("empty array = %d %s; want 400", r.Status, r.Body)
	}
	if n := h.count(`SELECT count(*) FROM procurement.stock_adjustments`); n != 3 {
		t.Errorf("%d adjustments stored; want the first array's 3 only", n)
	}
}
