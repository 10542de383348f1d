package procurement

import (
	"context"
	"fmt"
	"net"
	"net/http/httptest"
	"testing"

	"github.com/google/uuid"

	"github.com/novatrek/support/internal/dev/standin"
	"github.com/novatrek/support/internal/testkit/servicetest"
)

// harness is the service started from its Spec by servicetest (a fresh database, kfake and
// the registry, the runner's wiring), its catalog client pointed at the svc-gear-inventory
// dev stand-in served for this test, and every response checked against openapi.json. By
// default the outbox relay is left out so tests count what was emitted in the outbox.
type harness struct {
	t   testing.TB
	svc *servicetest.Service[*app]
}

type harnessOption struct {
	env   []string
	relay bool
	clock *clock
	// unchecked leaves out the OpenAPI check of every request and response (a test tool
	// whose cost benchmarks must not measure).
	unchecked bool
}

// catalogDown points the catalog client at a port nothing listens on.
func catalogDown(t testing.TB) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return "http://" + addr
}

func start(t testing.TB, o harnessOption) *harness {
	t.Helper()
	gear := httptest.NewServer(standin.Handler(standin.NewStore()))
	t.Cleanup(gear.Close)
	env := append([]string{"PROCUREMENT_GEAR_INVENTORY_URL", gear.URL + "/" + CallerGearInventory}, o.env...)
	opts := []servicetest.Option{servicetest.WithEnv(env...)}
	if !o.unchecked {
		opts = append(opts, servicetest.WithOpenAPICheck())
	}
	if o.clock != nil {
		opts = append(opts, servicetest.WithClock(o.clock.now))
	}
	if !o.relay {
		opts = append(opts, servicetest.WithoutRelay())
	}
	return &harness{t: t, svc: servicetest.Start(t, Spec, opts...)}
}

// call sends a request as procurement-ops with a fresh Idempotency-Key on writes.
func (h *harness) call(method, path string, body any) *servicetest.Response {
	h.t.Helper()
	if method == "GET" {
		return h.svc.Call(CallerProcurementOps, method, path, body)
	}
	return h.svc.Call(CallerProcurementOps, method, path, body, "Idempotency-Key", uuid.NewString())
}

// must is call expecting status, decoding the body into out when given.
func (h *harness) must(status int, method, path string, body, out any) *servicetest.Response {
	h.t.Helper()
	r := h.call(method, path, body)
	if r.Status != status {
		h.t.Fatalf("%s %s = %d %s; want %d", method, path, r.Status, r.Body, status)
	}
	if out != nil {
		r.JSON(h.t, out)
	}
	return r
}

func (h *harness) supplier(id string, promisedDays int) {
	h.t.Helper()
	h.must(200, "PUT", "/v1/suppliers/"+id, map[string]any{"name": "Supplier " + id, "promised_lead_time_days": promisedDays}, nil)
}

type line struct {
	SKU      string `json:"sku"`
	Quantity int    `json:"quantity"`
	UnitCost string `json:"unit_cost,omitempty"`
}

func orderBody(supplier, location string, lines ...line) map[string]any {
	return map[string]any{"supplier_id": supplier, "location_id": location, "currency": "USD", "created_by": "buyer@novatrek", "lines": lines}
}

// order creates an order and returns it.
func (h *harness) order(supplier, location string, lines ...line) orderView {
	h.t.Helper()
	var o orderView
	h.must(201, "POST", "/v1/purchase-orders", orderBody(supplier, location, lines...), &o)
	return o
}

// move applies action as actor and returns the response.
func (h *harness) move(id string, action Action, actor string, extra ...any) *servicetest.Response {
	h.t.Helper()
	body := map[string]any{"action": action, "actor": actor}
	for i := 0; i+1 < len(extra); i += 2 {
		body[extra[i].(string)] = extra[i+1]
	}
	return h.call("POST", "/v1/purchase-orders/"+id+"/transitions", body)
}

func (h *harness) count(sql string, args ...any) int {
	h.t.Helper()
	var n int
	if err := h.svc.DB.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		h.t.Fatalf("%s: %v", sql, err)
	}
	return n
}

func (h *harness) outbox(topic string) int {
	return h.count(`SELECT count(*) FROM procurement.outbox WHERE topic = $1`, topic)
}

// adjust records a stock adjustment and returns the level after it.
func (h *harness) adjust(sku, location string, kind Kind, quantity int, extra ...any) levelView {
	h.t.Helper()
	body := map[string]any{"sku": sku, "location_id": location, "kind": kind, "quantity": quantity, "reason": "test", "source": "test"}
	for i := 0; i+1 < len(extra); i += 2 {
		body[extra[i].(string)] = extra[i+1]
	}
	var out struct {
		Level levelView `json:"stock_level"`
	}
	h.must(201, "POST", "/v1/stock-adjustments", body, &out)
	return out.Level
}

func sup(n int) string { return fmt.Sprintf("SUP-%d", n) }
