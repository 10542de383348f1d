package procurement

import (
	"math"
	"testing"
	"time"

	"github.com/novatrek/support/internal/testkit/servicetest"
	"github.com/novatrek/support/schemas"
)

// TestReorderAlertOncePerBreachAndSuppressedByAnOpenOrder: a two-day window with 7 units
// consumed yesterday and 13 today is d̄ = 10, σ = √18; with the supplier's promised 9 days,
// ROP = 90 + 1.645·√18·3 ≈ 110.9. Falling to it raises one alert and one event, however
// many adjustments follow; recovering clears it; a new fall raises a second; an order
// submitted for enough clears it and keeps the next fall quiet.
func TestReorderAlertOncePerBreachAndSuppressedByAnOpenOrder(t *testing.T) {
	t.Parallel()
	h := start(t, harnessOption{env: []string{"PROCUREMENT_DEMAND_WINDOW_DAYS", "2"}})
	h.supplier(sup(1), 9)
	const sku, wh = "GEAR-PFD-ADULT", "WH-7"
	// A draft order names the item's supplier there; a draft covers nothing.
	po := h.order(sup(1), wh, line{sku, 50, "40"})
	h.adjust(sku, wh, KindReceipt, 200)
	h.adjust(sku, wh, KindConsumption, 7, "occurred_at", time.Now().Add(-25*time.Hour))
	lv := h.adjust(sku, wh, KindConsumption, 13)
	z, _ := ZScore(0.95)
	wantROP := 90 + z*math.Sqrt(18)*3
	if math.Abs(lv.AvgDailyDemand-10) > 1e-9 || math.Abs(lv.DemandStdDev-math.Sqrt(18)) > 1e-9 || lv.LeadTimeDays != 9 ||
		math.Abs(lv.ReorderPoint-wantROP) > 1e-9 || lv.OnHand != 180 || lv.OpenAlert != nil {
		t.Fatalf("level = %+v; want d̄ 10, σ √18, L 9, ROP %.3f, 180 on hand, no alert", lv, wantROP)
	}
	if lv.DaysOfCover == nil || *lv.DaysOfCover != 18 {
		t.Errorf("days of cover = %v; want 18", lv.DaysOfCover)
	}

	alerts := func() int { return h.outbox(TopicReorderAlert) }
	// Losses are not demand: the point stays where it is while the stock falls.
	if lv = h.adjust(sku, wh, KindLoss, 75); lv.OnHand != 105 || lv.OpenAlert == nil || alerts() != 1 {
		t.Fatalf("at 105 ≤ ROP: alert %+v, %d events; want one", lv.OpenAlert, alerts())
	}
	first := lv.OpenAlert.AlertID
	for range 3 {
		lv = h.adjust(sku, wh, KindLoss, 1)
	}
	if lv.OpenAlert == nil || lv.OpenAlert.AlertID != first || alerts() != 1 {
		t.Errorf("three more adjustments in the same breach: alert %+v, %d events; want the first alert only", lv.OpenAlert, alerts())
	}
	if lv = h.adjust(sku, wh, KindCorrection, 30); lv.OpenAlert != nil {
		t.Errorf("at %d > ROP the alert is still open", lv.OnHand)
	}
	if lv = h.adjust(sku, wh, KindLoss, 40); lv.OpenAlert == nil || lv.OpenAlert.AlertID == first || alerts() != 2 {
		t.Errorf("a new breach at %d: alert %+v, %d events; want a second", lv.OnHand, lv.OpenAlert, alerts())
	}
	h.must(200, "POST", "/v1/purchase-orders/"+po.ID+"/transitions", map[string]any{"action": "submit", "actor": "ana"}, nil)
	var levels struct{ Items []levelView }
	h.must(200, "GET", "/v1/stock-levels?sku="+sku+"&location_id="+wh, nil, &levels)
	if len(levels.Items) != 1 || levels.Items[0].OnOrder != 50 || levels.Items[0].OpenAlert != nil {
		t.Fatalf("after submitting 50: %+v; want 50 on order and the alert cleared", levels.Items)
	}
	if lv = h.adjust(sku, wh, KindLoss, 1); lv.OpenAlert != nil || alerts() != 2 {
		t.Errorf("covered by the open order: alert %+v, %d events; want none new", lv.OpenAlert, alerts())
	}
	var cleared []string
	rows, err := h.svc.DB.Query(t.Context(), `SELECT cleared_because FROM procurement.reorder_alerts ORDER BY raised_at`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		cleared = append(cleared, s)
	}
	if len(cleared) != 2 || cleared[0] != "stock recovered above the reorder point" || cleared[1] != "covered by open purchase orders" {
		t.Errorf("alerts cleared because %q", cleared)
	}
}

// TestReorderAlertEventOnKafka: the alert's event reaches the topic with the item's name,
// the rounded-up point and a suggestion that brings the position past it.
func TestReorderAlertEventOnKafka(t *testing.T) {
	t.Parallel()
	h := start(t, harnessOption{relay: true})
	h.supplier(sup(1), 9)
	const sku, wh = "GEAR-HELMET-WW", "WH-2"
	h.order(sup(1), wh, line{sku, 1, "30"})
	h.adjust(sku, wh, KindReceipt, 20)
	h.adjust(sku, wh, KindConsumption, 10)
	ev := servicetest.AwaitEvent[schemas.ReorderAlertRaised](h.svc, TopicReorderAlert,
		func(e *schemas.ReorderAlertRaised) bool { return e.Sku == sku })
	if ev.ItemName != "Whitewater helmet" || ev.WarehouseID != wh || ev.OnHand != 10 || ev.PreferredSupplierID == nil ||
		*ev.PreferredSupplierID != sup(1) || ev.SupplierLeadTimeDays == nil || *ev.SupplierLeadTimeDays != 9 ||
		float64(ev.OnHand+ev.SuggestedQuantity) <= float64(ev.ReorderPoint) {
		t.Errorf("event = %+v", ev)
	}
}

// TestStockNeverGoesNegative: taking more than is on hand is a 409 and books nothing.
func TestStockNeverGoesNegative(t *testing.T) {
	t.Parallel()
	h := start(t, harnessOption{})
	h.adjust("GEAR-HARNESS", "WH-1", KindReceipt, 3)
	r := h.call("POST", "/v1/stock-adjustments", map[string]any{"sku": "GEAR-HARNESS", "location_id": "WH-1", "kind": "loss",
		"quantity": 4, "reason": "lost", "source": "trip 12"})
	if r.Status != 409 || h.count(`SELECT count(*) FROM procurement.stock_adjustments`) != 1 {
		t.Errorf("taking 4 of 3: %d %s", r.Status, r.Body)
	}
	r = h.call("POST", "/v1/stock-adjustments", map[string]any{"sku": "GEAR-NOPE", "location_id": "WH-1", "kind": "receipt",
		"quantity": 4, "reason": "found", "source": "count"})
	if r.Status != 422 {
		t.Errorf("an item not in the catalog: %d %s", r.Status, r.Body)
	}
}
