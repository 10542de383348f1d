package procurement

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/novatrek/support/internal/platform/stream/streamtest"
	"github.com/novatrek/support/internal/testkit/servicetest"
	"github.com/novatrek/support/schemas"
)

// TestCreateOrderDerivesTheTotalAndVerifiesTheCatalog: the total is Σ quantity × unit cost,
// exact; the lines carry the catalog's names; the order starts in draft with one history
// entry and one status-changed in the outbox.
func TestCreateOrderDerivesTheTotalAndVerifiesTheCatalog(t *testing.T) {
	t.Parallel()
	h := start(t, harnessOption{})
	h.supplier(sup(1), 9)
	o := h.order(sup(1), "WH-1", line{"GEAR-TENT-2P", 3, "199.99"}, line{"GEAR-BAG-0C", 10, "0.10"})
	if o.Status != Draft || o.Total != (moneyView{"600.97", "USD"}) || o.PONumber != "PO-000001" {
		t.Errorf("order = %s %+v %s; want draft 600.97 USD PO-000001", o.Status, o.Total, o.PONumber)
	}
	if o.Lines[0].Description != "Two-person backpacking tent" || o.Lines[0].LineTotal.Amount != "599.97" {
		t.Errorf("line 0 = %+v", o.Lines[0])
	}
	if len(o.History) != 1 || o.History[0].Actor != "buyer@novatrek" || o.History[0].From != nil {
		t.Errorf("history = %+v", o.History)
	}
	if n := h.outbox(TopicStatusChanged); n != 1 {
		t.Errorf("%d status-changed in the outbox; want 1", n)
	}
	var got orderView
	h.must(200, "GET", "/v1/purchase-orders/"+o.ID, nil, &got)
	if got.ID != o.ID || got.Total != o.Total {
		t.Errorf("GET = %+v", got)
	}
}

// TestCreateOrderRefusals: an unknown or discontinued item is a 422 naming the line, an
// unknown supplier a 422 naming supplier_id, a malformed cost a 400 naming the field; none
// writes anything.
func TestCreateOrderRefusals(t *testing.T) {
	t.Parallel()
	h := start(t, harnessOption{})
	h.supplier(sup(1), 9)
	for _, c := range []struct {
		name   string
		body   map[string]any
		status int
		want   string
	}{
		{"unknown item", orderBody(sup(1), "WH-1", line{"GEAR-TENT-2P", 1, "1"}, line{"GEAR-NOPE", 1, "1"}), 422, `"field":"lines[1].sku"`},
		{"discontinued item", orderBody(sup(1), "WH-1", line{"GEAR-LANTERN-OLD", 1, "1"}), 422, `unknown-item`},
		{"unknown supplier", orderBody("SUP-NONE", "WH-1", line{"GEAR-TENT-2P", 1, "1"}), 422, `"field":"supplier_id"`},
		{"cost with a fraction of a cent", orderBody(sup(1), "WH-1", line{"GEAR-TENT-2P", 1, "1.005"}), 400, `"field":"lines[0].unit_cost"`},
		{"total entered", func() map[string]any {
			b := orderBody(sup(1), "WH-1", line{"GEAR-TENT-2P", 1, "1"})
			b["total"] = "5"
			return b
		}(), 400, `total`},
	} {
		r := h.call("POST", "/v1/purchase-orders", c.body)
		if r.Status != c.status || !strings.Contains(string(r.Body), c.want) || r.Header.Get("Content-Type") != "application/problem+json" {
			t.Errorf("%s: %d %s; want %d with %s", c.name, r.Status, r.Body, c.status, c.want)
		}
	}
	if n := h.count(`SELECT count(*) FROM procurement.purchase_orders`); n != 0 {
		t.Errorf("%d orders written by refused requests", n)
	}
}

// TestCatalogDownWritesNothing: with svc-gear-inventory unreachable an order is a 503 with
// Retry-After, and neither an order, a line, a stock level nor an event is written.
func TestCatalogDownWritesNothing(t *testing.T) {
	t.Parallel()
	h := start(t, harnessOption{env: []string{"PROCUREMENT_GEAR_INVENTORY_URL", catalogDown(t)}})
	h.supplier(sup(1), 9)
	r := h.call("POST", "/v1/purchase-orders", orderBody(sup(1), "WH-1", line{"GEAR-TENT-2P", 1, "1"}))
	if r.Status != 503 || !strings.Contains(string(r.Body), "catalog-unavailable") || r.Header.Get("Retry-After") == "" {
		t.Fatalf("catalog down: %d %s (Retry-After %q)", r.Status, r.Body, r.Header.Get("Retry-After"))
	}
	r = h.call("POST", "/v1/stock-adjustments", map[string]any{"sku": "GEAR-TENT-2P", "location_id": "WH-1", "kind": "receipt",
		"quantity": 5, "reason": "found", "source": "count"})
	if r.Status != 503 {
		t.Errorf("first adjustment of an item with the catalog down: %d %s", r.Status, r.Body)
	}
	for _, table := range []string{"purchase_orders", "po_line_items", "stock_levels", "stock_adjustments", "outbox"} {
		if n := h.count(`SELECT count(*) FROM procurement.` + table); n != 0 {
			t.Errorf("%d rows in %s after the catalog was down", n, table)
		}
	}
}

// TestStatusChangedReachesKafka: with the relay running, a submitted order's event is on
// the topic in Avro, its previous status and actor set.
func TestStatusChangedReachesKafka(t *testing.T) {
	t.Parallel()
	h := start(t, harnessOption{relay: true})
	h.supplier(sup(1), 9)
	o := h.order(sup(1), "WH-1", line{"GEAR-TENT-2P", 2, "10.50"})
	if r := h.move(o.ID, Submit, "ana"); r.Status != 200 {
		t.Fatalf("submit: %d %s", r.Status, r.Body)
	}
	ev := servicetest.AwaitEvent[schemas.PurchaseOrderStatusChanged](h.svc, TopicStatusChanged,
		func(e *schemas.PurchaseOrderStatusChanged) bool {
			return e.PurchaseOrderID == o.ID && e.Status == "SUBMITTED"
		})
	if ev.PreviousStatus == nil || *ev.PreviousStatus != "DRAFT" || ev.ChangedBy != "ana" || ev.Total.Amount.FloatString(2) != "21.00" ||
		len(ev.Lines) != 1 || ev.Metadata.Producer != ServiceName {
		b, _ := json.Marshal(ev)
		t.Errorf("event = %s", b)
	}
}

// TestAwaitingSecondApprovalIsSchemaV2: an order approved once above the threshold is
// AWAITING_SECOND_APPROVAL on the topic (status-changed v2), and a consumer still reading
// with v1 decodes the same record, the new symbol resolved to v1's default, UNKNOWN.
func TestAwaitingSecondApprovalIsSchemaV2(t *testing.T) {
	t.Parallel()
	h := start(t, harnessOption{relay: true, env: []string{"PROCUREMENT_SECOND_APPROVAL_ABOVE", "5.00 USD"}})
	h.supplier(sup(1), 9)
	o := h.order(sup(1), "WH-1", line{"GEAR-TENT-2P", 1, "10"})
	h.must(200, "POST", "/v1/purchase-orders/"+o.ID+"/transitions", map[string]any{"action": "submit", "actor": "ana"}, nil)
	h.must(200, "POST", "/v1/purchase-orders/"+o.ID+"/transitions", map[string]any{"action": "approve", "actor": "bo"}, nil)
	ev := servicetest.AwaitEvent[schemas.PurchaseOrderStatusChanged](h.svc, TopicStatusChanged,
		func(e *schemas.PurchaseOrderStatusChanged) bool {
			return e.PurchaseOrderID == o.ID && e.Status == "AWAITING_SECOND_APPROVAL"
		})
	if ev.PreviousStatus == nil || *ev.PreviousStatus != "SUBMITTED" || ev.ChangedBy != "bo" {
		t.Errorf("previous %v, changed by %s; want SUBMITTED, bo", ev.PreviousStatus, ev.ChangedBy)
	}
	catalog, err := schemas.Load()
	if err != nil {
		t.Fatal(err)
	}
	v1 := catalog.Versions("purchase_order_status_changed")[0]
	var statuses []string
	for _, rec := range streamtest.ReadTopic(t, h.svc.Kafka, TopicStatusChanged) {
		var old schemas.PurchaseOrderStatusChanged
		if err := h.svc.Kafka.Serde.Decode(context.Background(), rec.Value, v1.Schema, &old); err != nil {
			t.Fatalf("v1 reader: %v", err)
		}
		if old.PurchaseOrderID == o.ID {
			statuses = append(statuses, old.Status)
		}
	}
	if want := []string{"DRAFT", "SUBMITTED", "UNKNOWN"}; !slices.Equal(statuses, want) {
		t.Errorf("a v1 reader sees %v; want %v", statuses, want)
	}
}

// TestConcurrentApprovalsOneWins: two approvers approve one order at once; one gets 200,
// the other 409 from the new state, and one approval is recorded.
func TestConcurrentApprovalsOneWins(t *testing.T) {
	t.Parallel()
	h := start(t, harnessOption{})
	h.supplier(sup(1), 9)
	for round := range 5 {
		o := h.order(sup(1), "WH-1", line{"GEAR-TENT-2P", 1, "10"})
		h.must(200, "POST", "/v1/purchase-orders/"+o.ID+"/transitions", map[string]any{"action": "submit", "actor": "ana"}, nil)
		var wg sync.WaitGroup
		statuses := make([]int, 2)
		for i, approver := range []string{"bo", "cy"} {
			wg.Go(func() { statuses[i] = h.move(o.ID, Approve, approver).Status })
		}
		wg.Wait()
		if !(statuses[0] == 200 && statuses[1] == 409 || statuses[0] == 409 && statuses[1] == 200) {
			t.Errorf("round %d: statuses %v; want one 200 and one 409", round, statuses)
		}
		var got orderView
		h.must(200, "GET", "/v1/purchase-orders/"+o.ID, nil, &got)
		if got.Status != Approved || len(got.History) != 3 {
			t.Errorf("round %d: %s with %d changes", round, got.Status, len(got.History))
		}
	}
}

// TestIdempotencyKeyReplaysACreate: the same key and body answer the first response again
// and write one order; a write without a key is refused.
func TestIdempotencyKeyReplaysACreate(t *testing.T) {
	t.Parallel()
	h := start(t, harnessOption{})
	h.supplier(sup(1), 9)
	body := orderBody(sup(1), "WH-1", line{"GEAR-TENT-2P", 1, "10"})
	first := h.svc.Call(CallerProcurementOps, "POST", "/v1/purchase-orders", body, "Idempotency-Key", "order-1")
	again := h.svc.Call(CallerProcurementOps, "POST", "/v1/purchase-orders", body, "Idempotency-Key", "order-1")
	if first.Status != 201 || again.Status != 201 || string(first.Body) != string(again.Body) || again.Header.Get("Idempotent-Replayed") != "true" {
		t.Errorf("replay: %d then %d (replayed %q)", first.Status, again.Status, again.Header.Get("Idempotent-Replayed"))
	}
	if n := h.count(`SELECT count(*) FROM procurement.purchase_orders`); n != 1 {
		t.Errorf("%d orders for one key", n)
	}
	if r := h.svc.Call(CallerProcurementOps, "POST", "/v1/purchase-orders", body); r.Status != 400 || !strings.Contains(string(r.Body), "idempotency-key-required") {
		t.Errorf("without a key: %d %s", r.Status, r.Body)
	}
}
