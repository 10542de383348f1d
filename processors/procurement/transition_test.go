package procurement

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// step is one transition on the way to a state.
type step struct {
	action Action
	actor  string
	extra  []any
}

var (
	receiveOne = []any{"lines", []line{{SKU: "GEAR-TENT-2P", Quantity: 1}}}
	receiveAll = []any{"lines", []line{{SKU: "GEAR-TENT-2P", Quantity: 2}}}
	because    = []any{"reason", "over budget"}
)

// pathTo is how an order of two tents reaches each state (a large one for AwaitingSecond):
// ana submits, bo approves and sends.
var pathTo = map[Status][]step{
	Draft:             nil,
	Submitted:         {{Submit, "ana", nil}},
	AwaitingSecond:    {{Submit, "ana", nil}, {Approve, "bo", nil}},
	Approved:          {{Submit, "ana", nil}, {Approve, "bo", nil}},
	Rejected:          {{Submit, "ana", nil}, {Reject, "bo", because}},
	Sent:              {{Submit, "ana", nil}, {Approve, "bo", nil}, {Send, "bo", nil}},
	PartiallyReceived: {{Submit, "ana", nil}, {Approve, "bo", nil}, {Send, "bo", nil}, {Receive, "dock", receiveOne}},
	Received:          {{Submit, "ana", nil}, {Approve, "bo", nil}, {Send, "bo", nil}, {Receive, "dock", receiveAll}},
	Cancelled:         {{Cancel, "ana", nil}},
}

// requestOf is the request of each action under test: cy approves (neither submitter nor
// first approver), a rejection says why, a receipt takes one of the two tents.
var requestOf = map[Action]step{
	Submit: {Submit, "cy", nil}, Approve: {Approve, "cy", nil}, Reject: {Reject, "cy", because},
	Send: {Send, "cy", nil}, Cancel: {Cancel, "cy", nil}, Receive: {Receive, "dock", receiveOne},
}

// TestEveryTransitionLegalAndIllegal drives every action from every state through the API:
// a legal one answers 200 in a state the table allows, records the actor and emits one
// status-changed; an illegal one answers 409 illegal-transition listing exactly the
// actions the state allows, and changes nothing.
func TestEveryTransitionLegalAndIllegal(t *testing.T) {
	t.Parallel()
	h := start(t, harnessOption{})
	h.supplier(sup(1), 9)
	for _, from := range Statuses {
		for _, action := range Actions {
			name := fmt.Sprintf("%s from %s", action, from)
			cost := "10"
			if from == AwaitingSecond {
				cost = "6000"
			}
			o := h.order(sup(1), "WH-1", line{"GEAR-TENT-2P", 2, cost})
			for _, s := range pathTo[from] {
				if r := h.move(o.ID, s.action, s.actor, s.extra...); r.Status != 200 {
					t.Fatalf("%s: on the way, %s: %d %s", name, s.action, r.Status, r.Body)
				}
			}
			before := h.outbox(TopicStatusChanged)
			req := requestOf[action]
			r := h.move(o.ID, req.action, req.actor, req.extra...)
			var got orderView
			h.must(200, "GET", "/v1/purchase-orders/"+o.ID, nil, &got)
			if len(Targets(from, action)) > 0 {
				if r.Status != 200 || !slices.Contains(Targets(from, action), got.Status) {
					t.Errorf("%s: %d %s, now %s; want 200 into one of %v", name, r.Status, r.Body, got.Status, Targets(from, action))
					continue
				}
				last := got.History[len(got.History)-1]
				if last.Actor != req.actor || last.Action != string(action) || *last.From != from || h.outbox(TopicStatusChanged) != before+1 {
					t.Errorf("%s: history %+v, %d events", name, last, h.outbox(TopicStatusChanged)-before)
				}
				continue
			}
			var p struct {
				Type    string   `json:"type"`
				Allowed []string `json:"allowed"`
				Status  string   `json:"order_status"`
			}
			r.JSON(t, &p)
			want := []string{}
			for _, a := range Allowed(from) {
				want = append(want, string(a))
			}
			if r.Status != 409 || p.Type != "urn:novatrek:problem:illegal-transition" || !slices.Equal(p.Allowed, want) || p.Status != string(from) {
				t.Errorf("%s: %d %s; want 409 allowing %v", name, r.Status, r.Body, want)
			}
			if got.Status != from || h.outbox(TopicStatusChanged) != before {
				t.Errorf("%s: refused, yet the order is %s and %d events were emitted", name, got.Status, h.outbox(TopicStatusChanged)-before)
			}
		}
	}
}

// TestDoubleValidation: above the threshold the first approval leaves the order awaiting a
// second; the same approver again and the submitter are refused (422); a different second
// approver approves. At the threshold exactly, and for a small order, one approval is
// enough; an order in another currency always needs two.
func TestDoubleValidation(t *testing.T) {
	t.Parallel()
	h := start(t, harnessOption{})
	h.supplier(sup(1), 9)
	big := h.order(sup(1), "WH-1", line{"GEAR-TENT-2P", 2, "2500.01"})
	h.must(200, "POST", "/v1/purchase-orders/"+big.ID+"/transitions", map[string]any{"action": "submit", "actor": "ana"}, nil)
	var o orderView
	h.must(200, "POST", "/v1/purchase-orders/"+big.ID+"/transitions", map[string]any{"action": "approve", "actor": "bo"}, &o)
	if o.Status != AwaitingSecond || o.FirstApprovedBy == nil || *o.FirstApprovedBy != "bo" || o.ApprovedBy != nil {
		t.Fatalf("after the first approval: %s first %v second %v", o.Status, o.FirstApprovedBy, o.ApprovedBy)
	}
	for actor, want := range map[string]string{"bo": "second-approver-required", "ana": "self-approval"} {
		r := h.move(big.ID, Approve, actor)
		if r.Status != 422 || !strings.Contains(string(r.Body), want) {
			t.Errorf("approve by %s: %d %s; want 422 %s", actor, r.Status, r.Body, want)
		}
	}
	h.must(200, "POST", "/v1/purchase-orders/"+big.ID+"/transitions", map[string]any{"action": "approve", "actor": "cy"}, &o)
	if o.Status != Approved || *o.ApprovedBy != "cy" {
		t.Errorf("after the second approval: %s by %v", o.Status, o.ApprovedBy)
	}
	if n := h.count(`SELECT count(*) FROM procurement.outbox WHERE topic = $1`, TopicStatusChanged); n != 4 {
		t.Errorf("%d status-changed for create, submit, approve, approve; want 4", n)
	}

	for _, c := range []struct {
		name, cost, currency string
		want                 Status
	}{
		{"at the threshold", "2500.00", "USD", Approved},
		{"small", "10", "USD", Approved},
		{"another currency", "10", "EUR", AwaitingSecond},
	} {
		body := orderBody(sup(1), "WH-1", line{"GEAR-TENT-2P", 2, c.cost})
		body["currency"] = c.currency
		var o orderView
		h.must(201, "POST", "/v1/purchase-orders", body, &o)
		h.must(200, "POST", "/v1/purchase-orders/"+o.ID+"/transitions", map[string]any{"action": "submit", "actor": "ana"}, nil)
		h.must(200, "POST", "/v1/purchase-orders/"+o.ID+"/transitions", map[string]any{"action": "approve", "actor": "bo"}, &o)
		if o.Status != c.want {
			t.Errorf("%s: one approval leaves it %s; want %s", c.name, o.Status, c.want)
		}
	}
}

// TestSelfApprovalRefused: the submitter of even a small order cannot approve it, and the
// refusal changes nothing.
func TestSelfApprovalRefused(t *testing.T) {
	t.Parallel()
	h := start(t, harnessOption{})
	h.supplier(sup(1), 9)
	o := h.order(sup(1), "WH-1", line{"GEAR-TENT-2P", 1, "10"})
	h.must(200, "POST", "/v1/purchase-orders/"+o.ID+"/transitions", map[string]any{"action": "submit", "actor": "ana"}, nil)
	r := h.move(o.ID, Approve, "ana")
	if r.Status != 422 || !strings.Contains(string(r.Body), "self-approval") {
		t.Fatalf("self-approval: %d %s", r.Status, r.Body)
	}
	var got orderView
	h.must(200, "GET", "/v1/purchase-orders/"+o.ID, nil, &got)
	if got.Status != Submitted || len(got.History) != 2 {
		t.Errorf("after a refused self-approval: %s, %d changes", got.Status, len(got.History))
	}
}

// TestPartialReceipts: receiving part of an order books the stock with a receipt naming the
// order, leaves it partially received, refuses more than is outstanding or an item not on
// the order, and the rest closes it.
func TestPartialReceipts(t *testing.T) {
	t.Parallel()
	h := start(t, harnessOption{})
	h.supplier(sup(1), 9)
	o := h.order(sup(1), "WH-1", line{"GEAR-TENT-2P", 10, "10"}, line{"GEAR-BAG-0C", 5, "20"})
	for _, s := range pathTo[Sent] {
		h.must(200, "POST", "/v1/purchase-orders/"+o.ID+"/transitions", map[string]any{"action": s.action, "actor": s.actor}, nil)
	}
	receive := func(lines ...line) *orderView {
		var got orderView
		r := h.move(o.ID, Receive, "dock", "lines", lines)
		if r.Status != 200 {
			t.Fatalf("receive %v: %d %s", lines, r.Status, r.Body)
		}
		r.JSON(t, &got)
		return &got
	}
	got := receive(line{SKU: "GEAR-TENT-2P", Quantity: 4})
	if got.Status != PartiallyReceived || got.Lines[0].ReceivedQuantity != 4 {
		t.Errorf("after 4 of 10: %s, %d received", got.Status, got.Lines[0].ReceivedQuantity)
	}
	for _, c := range []struct {
		lines []line
		want  string
	}{
		{[]line{{SKU: "GEAR-TENT-2P", Quantity: 7}}, "over-receipt"},
		{[]line{{SKU: "GEAR-PACK-65L", Quantity: 1}}, "not-on-order"},
		{[]line{{SKU: "GEAR-BAG-0C", Quantity: 5}, {SKU: "GEAR-TENT-2P", Quantity: 7}}, "lines[1].quantity"},
	} {
		if r := h.move(o.ID, Receive, "dock", "lines", c.lines); r.Status != 422 || !strings.Contains(string(r.Body), c.want) {
			t.Errorf("receive %v: %d %s; want 422 %s", c.lines, r.Status, r.Body, c.want)
		}
	}
	got = receive(line{SKU: "GEAR-TENT-2P", Quantity: 6}, line{SKU: "GEAR-BAG-0C", Quantity: 5})
	if got.Status != Received || got.ReceivedAt == nil {
		t.Errorf("after the rest: %s", got.Status)
	}
	var levels struct{ Items []levelView }
	h.must(200, "GET", "/v1/stock-levels?location_id=WH-1", nil, &levels)
	onHand := map[string]int{}
	for _, l := range levels.Items {
		onHand[l.SKU] = l.OnHand
	}
	if onHand["GEAR-TENT-2P"] != 10 || onHand["GEAR-BAG-0C"] != 5 {
		t.Errorf("stock after receipts: %v; want 10 tents and 5 bags (the refused receipts left nothing)", onHand)
	}
	if n := h.count(`SELECT count(*) FROM procurement.stock_adjustments WHERE kind = 'receipt' AND purchase_order_id = $1 AND source = $2`,
		o.ID, o.PONumber); n != 3 {
		t.Errorf("%d receipt adjustments naming the order; want 3", n)
	}
}
