package procurement

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/novatrek/support/internal/platform/problem"
)

// checkRefusal fails unless err is a 400 problem naming what is wrong.
func checkRefusal(t *testing.T, err error) {
	t.Helper()
	var p *problem.Problem
	if !errors.As(err, &p) || p.Status != 400 || p.Detail == "" {
		t.Fatalf("refusal %v is not a 400 problem with a detail", err)
	}
}

// FuzzDecodeCreateOrder: any body is either a 400 problem or an order whose lines are
// distinct, positive, exactly priced and whose total can be derived.
func FuzzDecodeCreateOrder(f *testing.F) {
	f.Add([]byte(`{"supplier_id":"SUP-1","location_id":"WH-1","currency":"USD","created_by":"ana","lines":[{"sku":"GEAR-TENT-2P","quantity":2,"unit_cost":"199.99"}]}`))
	f.Add([]byte(`{"supplier_id":"SUP-1","location_id":"WH-1","currency":"JPY","created_by":"ana","lines":[{"sku":"A","quantity":1,"unit_cost":"10.5"}]}`))
	f.Add([]byte(`{"lines":[{"sku":"A","quantity":1000000,"unit_cost":"99999999999"}]}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, body []byte) {
		o, err := decodeCreateOrder(body)
		if err != nil {
			checkRefusal(t, err)
			return
		}
		if len(o.Lines) == 0 || len(o.Lines) > maxLines {
			t.Fatalf("%d lines accepted", len(o.Lines))
		}
		seen := map[string]bool{}
		for _, l := range o.Lines {
			if seen[l.SKU] || l.Quantity < 1 || l.UnitCost.Minor < 0 || l.UnitCost.Currency != o.Currency {
				t.Fatalf("line %+v accepted", l)
			}
			seen[l.SKU] = true
		}
		if _, err := orderTotal(o.Currency, o.Lines); err != nil {
			t.Fatalf("accepted an order whose total cannot be derived: %v", err)
		}
	})
}

// FuzzDecodeTransition: any body is a 400 problem or a known action with an actor, lines
// only on a receipt.
func FuzzDecodeTransition(f *testing.F) {
	f.Add([]byte(`{"action":"approve","actor":"bo"}`))
	f.Add([]byte(`{"action":"receive","actor":"dock","lines":[{"sku":"GEAR-TENT-2P","quantity":1}]}`))
	f.Add([]byte(`{"action":"cancel","actor":"","lines":[]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		r, err := decodeTransition(body)
		if err != nil {
			checkRefusal(t, err)
			return
		}
		if !slices.Contains(Actions, r.Action) {
			t.Fatalf("unknown action %q accepted", r.Action)
		}
		if r.Actor == "" || (r.Action == Receive) != (len(r.Lines) > 0) {
			t.Fatalf("accepted %+v", r)
		}
	})
}

// FuzzDecodeAdjustment: any body is a 400 problem or adjustments (one, or an array's)
// whose sign follows their kind and whose time is not in the future.
func FuzzDecodeAdjustment(f *testing.F) {
	now := time.Date(2026, 7, 1, 12, 0, 0, 0, time.UTC)
	f.Add([]byte(`{"sku":"GEAR-TENT-2P","location_id":"WH-1","kind":"consumption","quantity":3,"reason":"trip","source":"trip 7"}`))
	f.Add([]byte(`{"sku":"GEAR-TENT-2P","location_id":"WH-1","kind":"correction","quantity":-3,"reason":"count","source":"audit","occurred_at":"2026-06-30T10:00:00Z"}`))
	f.Add([]byte(`{"sku":"GEAR-TENT-2P","location_id":"WH-1","kind":"loss","quantity":-3,"reason":"x","source":"y","occurred_at":"2030-01-01T00:00:00Z"}`))
	f.Add([]byte(`[{"sku":"GEAR-TENT-2P","location_id":"WH-1","kind":"receipt","quantity":3,"reason":"count","source":"audit"},{"sku":"X","location_id":"WH-1","kind":"loss","quantity":0,"reason":"x","source":"y"}]`))
	f.Fuzz(func(t *testing.T, body []byte) {
		adjs, _, err := decodeAdjustments(body, now)
		if err != nil {
			checkRefusal(t, err)
			return
		}
		if len(adjs) == 0 || len(adjs) > maxAdjustments {
			t.Fatalf("accepted %d adjustments", len(adjs))
		}
		for _, a := range adjs {
			if a.Delta == 0 || a.OccurredAt.After(now) || (a.Kind == KindReceipt && a.Delta < 0) ||
				((a.Kind == KindConsumption || a.Kind == KindLoss) && a.Delta > 0) {
				t.Fatalf("accepted %+v", a)
			}
		}
	})
}
