package simulate

import (
	"fmt"
	"net/http"
	"net/url"
)

// Procurement (svc-inventory-procurement): the procurement-ops back office. Trips consume
// gear at their departure location (a stock adjustment after a completed trip); a
// location's first use starts with an opening count; when the level the simulator knows
// falls below reorderAt, a buyer orders from the item's supplier, and the order walks its
// workflow over the following events: submitted, approved by someone else, approved again
// by a second approver above the service's threshold, sent, received in two deliveries.
// Between deliveries stock runs low, so the service's reorder alerts fire now and then.

// The routes of the procurement workflow.
const (
	RouteSupplier    = "PUT /v1/suppliers/{id}"
	RouteOrder       = "POST /v1/purchase-orders"
	RouteTransition  = "POST /v1/purchase-orders/{id}/transitions"
	RouteStockAdjust = "POST /v1/stock-adjustments"
)

const (
	consumeShare = 0.5 // completed trips whose gear use is booked
	reorderAt    = 10  // units: below this the buyer orders
	// secondApprovalCents is svc-inventory-procurement's default threshold
	// (PROCUREMENT_SECOND_APPROVAL_ABOVE, 5000.00 USD): above it an order needs two approvers.
	secondApprovalCents = 500_000
)

// gearItem is an item of the svc-gear-inventory stand-in's catalog that trips use up, with
// its supplier and unit cost in cents.
type gearItem struct {
	sku, supplier string
	cents         int64
}

var gearItems = []gearItem{
	{"GEAR-TENT-2P", "SUP-ALPINE", 19999},
	{"GEAR-BAG-0C", "SUP-ALPINE", 12950},
	{"GEAR-PACK-65L", "SUP-ALPINE", 17900},
	{"GEAR-PFD-ADULT", "SUP-RIVERWORKS", 8900},
	{"GEAR-HELMET-WW", "SUP-RIVERWORKS", 6450},
	{"GEAR-STOVE-CAN", "SUP-CAMPCO", 4999},
	{"GEAR-FILTER-H2O", "SUP-CAMPCO", 3995},
	{"GEAR-SPRAY-BEAR", "SUP-CAMPCO", 4750},
}

var suppliers = map[string]struct {
	name     string
	leadDays int
}{
	"SUP-ALPINE":     {"Alpine Outfitters", 9},
	"SUP-RIVERWORKS": {"Riverworks Supply", 14},
	"SUP-CAMPCO":     {"CampCo Wholesale", 5},
}

var (
	buyers    = []string{"buyer-ana", "buyer-raj"}
	approvers = []string{"approver-lee", "approver-sam", "approver-kim"}
)

// stockState is what procurement-ops knows: the levels its adjustments and receipts left
// (by "sku@location"), the items on order, the suppliers it has entered.
type stockState struct {
	level     map[string]int
	onOrder   map[string]bool
	suppliers map[string]bool
	orders    int
}

// consume books, now and then, the gear r's trip used at its departure location, and
// orders more when the level falls below reorderAt.
func (g *Generator) consume(r *reservation) {
	if g.dice("consume", r.id) >= consumeShare {
		return
	}
	st := &g.nb.stock
	// Each trip uses two of the items (a raft trip PFDs, a backpacking trip tents), so a
	// location's few items run low within minutes of make run, not hours.
	it := gearItems[g.pickN(len(gearItems), "gear", r.trip.id, fmt.Sprint(g.pickN(2, "which", r.id)))]
	loc := r.trip.location
	at := it.sku + "@" + loc
	if _, known := st.level[at]; !known {
		st.level[at] = 15 + g.pickN(15, "opening", at)
		g.adjust(1, it.sku, loc, "correction", st.level[at], "opening stock count", "count-"+at)
	}
	n := r.party // one unit per person
	if st.level[at] < n {
		return // nothing left to use until the order arrives
	}
	st.level[at] -= n
	g.adjust(1, it.sku, loc, "consumption", n, "used on the trip", r.id)
	if st.level[at] < reorderAt && !st.onOrder[at] {
		g.order(it, loc)
	}
}

// adjust queues a stock adjustment n events from now; source names what caused it.
func (g *Generator) adjust(n int, sku, loc, kind string, quantity int, reason, source string) {
	g.deferCall(n, Call{
		Route: RouteStockAdjust, Method: http.MethodPost, Path: "/v1/stock-adjustments", Caller: "procurement-ops",
		IdempotencyKey: g.key("adjust", kind, source, sku, loc),
		Body: jsonBody(map[string]any{"sku": sku, "location_id": loc, "kind": kind, "quantity": quantity,
			"reason": reason, "source": source}),
	}, nil)
}

// order queues a purchase order of it for loc and its whole workflow.
func (g *Generator) order(it gearItem, loc string) {
	st := &g.nb.stock
	at := it.sku + "@" + loc
	st.onOrder[at] = true
	st.orders++
	po := fmt.Sprintf("po:%d", st.orders)
	if !st.suppliers[it.supplier] {
		st.suppliers[it.supplier] = true
		s := suppliers[it.supplier]
		g.deferCall(1, Call{
			Route: RouteSupplier, Method: http.MethodPut, Path: "/v1/suppliers/" + url.PathEscape(it.supplier),
			Caller: "procurement-ops", Body: jsonBody(map[string]any{"name": s.name, "promised_lead_time_days": s.leadDays}),
		}, nil)
	}
	quantity := 20 + g.pickN(30, "quantity", po)
	buyer := buyers[g.pickN(len(buyers), "buyer", po)]
	first := g.pickN(len(approvers), "approver", po)
	g.deferCall(1, Call{
		Route: RouteOrder, Method: http.MethodPost, Path: "/v1/purchase-orders", Caller: "procurement-ops",
		Save: po, IdempotencyKey: g.key(po),
		Body: jsonBody(map[string]any{"supplier_id": it.supplier, "location_id": loc, "currency": "USD", "created_by": buyer,
			"lines": []map[string]any{{"sku": it.sku, "quantity": quantity, "unit_cost": fmt.Sprintf("%d.%02d", it.cents/100, it.cents%100)}}}),
	}, nil)
	step := func(n int, action, actor string, received int, done func()) {
		body := map[string]any{"action": action, "actor": actor}
		if received > 0 {
			body["lines"] = []map[string]any{{"sku": it.sku, "quantity": received}}
		}
		g.deferCall(n, Call{
			Route: RouteTransition, Method: http.MethodPost, Path: "/v1/purchase-orders/{$" + po + "}/transitions",
			Caller: "procurement-ops", IdempotencyKey: g.key(po, action, fmt.Sprint(n)), Body: jsonBody(body),
		}, done)
	}
	step(4, "submit", buyer, 0, nil)
	step(8, "approve", approvers[first], 0, nil)
	if int64(quantity)*it.cents > secondApprovalCents {
		step(11, "approve", approvers[(first+1)%len(approvers)], 0, nil)
	}
	step(14, "send", buyer, 0, nil)
	part := quantity / 2
	step(24, "receive", buyer, part, func() { st.level[at] += part })
	step(34, "receive", buyer, quantity-part, func() { st.level[at] += quantity - part; st.onOrder[at] = false })
}
