package procurement

import (
	"math"
	"testing"
	"time"
)

// TestSupplierLeadTimesAndDeliveryEstimates: a supplier promising 9 days delivers one order
// in 10 days (late) and one in 8 (on time): mean 9, spread √2, on-time rate ½. Before its
// first delivery an open order is expected at its promise; after, at its record's mean.
func TestSupplierLeadTimesAndDeliveryEstimates(t *testing.T) {
	t.Parallel()
	c := &clock{}
	h := start(t, harnessOption{clock: c})
	h.supplier(sup(1), 9)
	send := func() orderView {
		o := h.order(sup(1), "WH-1", line{"GEAR-STOVE-CAN", 2, "45"})
		for _, s := range pathTo[Sent] {
			h.must(200, "POST", "/v1/purchase-orders/"+o.ID+"/transitions", map[string]any{"action": s.action, "actor": s.actor}, &o)
		}
		return o
	}
	first := send()
	if want := first.SentAt.Add(9 * 24 * time.Hour).Format(time.DateOnly); first.ExpectedDeliveryDate == nil || *first.ExpectedDeliveryDate != want {
		t.Errorf("before any delivery: expected %v; want the promise, %s", first.ExpectedDeliveryDate, want)
	}
	c.advance(10 * 24 * time.Hour)
	h.must(200, "POST", "/v1/purchase-orders/"+first.ID+"/transitions", map[string]any{"action": "receive", "actor": "dock", "lines": []line{{SKU: "GEAR-STOVE-CAN", Quantity: 2}}}, nil)
	second := send()
	c.advance(8 * 24 * time.Hour)
	h.must(200, "POST", "/v1/purchase-orders/"+second.ID+"/transitions", map[string]any{"action": "receive", "actor": "dock", "lines": []line{{SKU: "GEAR-STOVE-CAN", Quantity: 2}}}, nil)
	open := send()

	var list struct{ Items []supplierView }
	h.must(200, "GET", "/v1/suppliers", nil, &list)
	s := list.Items[0]
	if s.Deliveries != 2 || s.MeanLeadTimeDays == nil || math.Abs(*s.MeanLeadTimeDays-9) > 1e-6 ||
		s.LeadTimeStdDevDays == nil || math.Abs(*s.LeadTimeStdDevDays-math.Sqrt2) > 1e-6 ||
		s.OnTimeRate == nil || *s.OnTimeRate != 0.5 || s.OpenOrders != 1 {
		t.Errorf("supplier record = %+v; want 2 deliveries, mean 9, spread √2, on time ½, 1 open", s)
	}
	var got orderView
	h.must(200, "GET", "/v1/purchase-orders/"+open.ID, nil, &got)
	if want := open.SentAt.Add(9 * 24 * time.Hour).Format(time.DateOnly); got.ExpectedDeliveryDate == nil || *got.ExpectedDeliveryDate != want {
		t.Errorf("open order expected %v; want %s", got.ExpectedDeliveryDate, want)
	}
	var lv struct{ Items []levelView }
	h.must(200, "GET", "/v1/stock-levels?sku=GEAR-STOVE-CAN", nil, &lv)
	if len(lv.Items) != 1 || math.Abs(lv.Items[0].LeadTimeDays-9) > 1e-6 || math.Abs(lv.Items[0].LeadTimeStdDev-math.Sqrt2) > 1e-6 {
		t.Errorf("the item's lead time = %+v; want the supplier's record", lv.Items)
	}
}

// TestListOrdersFiltersAndPages: filters by status, supplier and item; keyset pages cover
// every order once, newest first; a forged cursor is a 400.
func TestListOrdersFiltersAndPages(t *testing.T) {
	t.Parallel()
	h := start(t, harnessOption{})
	h.supplier(sup(1), 9)
	h.supplier(sup(2), 5)
	var ids []string
	for i := range 7 {
		s, sku := sup(1), "GEAR-TENT-2P"
		if i%3 == 0 {
			s, sku = sup(2), "GEAR-BAG-0C"
		}
		ids = append(ids, h.order(s, "WH-1", line{sku, 1, "10"}).ID)
	}
	h.must(200, "POST", "/v1/purchase-orders/"+ids[1]+"/transitions", map[string]any{"action": "submit", "actor": "ana"}, nil)
	var seen []string
	path := "/v1/purchase-orders?limit=3"
	for pages := 0; path != ""; pages++ {
		var page struct {
			Items      []orderView `json:"items"`
			NextCursor *string     `json:"next_cursor"`
		}
		h.must(200, "GET", path, nil, &page)
		for _, o := range page.Items {
			seen = append(seen, o.ID)
		}
		path = ""
		if page.NextCursor != nil {
			path = "/v1/purchase-orders?limit=3&cursor=" + *page.NextCursor
		}
		if pages > 3 {
			t.Fatal("paging does not end")
		}
	}
	if len(seen) != 7 || seen[0] != ids[6] || seen[6] != ids[0] {
		t.Errorf("pages gave %v; want the 7 orders newest first", seen)
	}
	for q, want := range map[string]int{"status=submitted": 1, "supplier_id=" + sup(2): 3, "sku=GEAR-TENT-2P": 4, "status=draft&sku=GEAR-BAG-0C": 3} {
		var page struct{ Items []orderView }
		h.must(200, "GET", "/v1/purchase-orders?"+q, nil, &page)
		if len(page.Items) != want {
			t.Errorf("?%s: %d orders; want %d", q, len(page.Items), want)
		}
	}
	for _, q := range []string{"cursor=bm9wZQ", "limit=0", "status=lost"} {
		if r := h.call("GET", "/v1/purchase-orders?"+q, nil); r.Status != 400 {
			t.Errorf("?%s: %d %s; want 400", q, r.Status, r.Body)
		}
	}
}

// TestAccessFollowsDataOwnership: svc-gear-inventory reads orders and nothing else; an
// unknown caller is refused; no token is a 401.
func TestAccessFollowsDataOwnership(t *testing.T) {
	t.Parallel()
	h := start(t, harnessOption{})
	for _, c := range []struct {
		caller, method, path string
		status               int
	}{
		{CallerGearInventory, "GET", "/v1/purchase-orders", 200},
		{CallerGearInventory, "GET", "/v1/suppliers", 403},
		{CallerGearInventory, "GET", "/v1/stock-levels", 403},
		{"", "GET", "/v1/purchase-orders", 401},
	} {
		if r := h.svc.Call(c.caller, c.method, c.path, nil); r.Status != c.status {
			t.Errorf("%s %s as %q: %d %s; want %d", c.method, c.path, c.caller, r.Status, r.Body, c.status)
		}
	}
	r := h.svc.Call(CallerGearInventory, "POST", "/v1/purchase-orders", orderBody(sup(1), "WH-1", line{"GEAR-TENT-2P", 1, "1"}), "Idempotency-Key", "k1")
	if r.Status != 403 {
		t.Errorf("svc-gear-inventory creating an order: %d", r.Status)
	}
}
