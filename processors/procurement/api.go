package procurement

import (
	"context"
	"io"
	"net/http"
	"strconv"

	"github.com/jackc/pgx/v5"

	"github.com/novatrek/support/internal/platform/httpedge"
	"github.com/novatrek/support/internal/platform/problem"
)

// The HTTP handlers: decode, call the domain, write JSON. Errors are returned; the edge
// writes them as problem+json.

func body(r *http.Request) ([]byte, error) {
	b, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, problem.Validation("The request body could not be read.")
	}
	return b, nil
}

func (a *app) writeOrder(w http.ResponseWriter, r *http.Request, status int, o Order) error {
	expected, err := expectedDelivery(r.Context(), a.db, o, a.now())
	if err != nil {
		return err
	}
	return httpedge.WriteJSON(w, status, viewOf(o, expected))
}

func (a *app) handleCreateOrder(w http.ResponseWriter, r *http.Request) error {
	b, err := body(r)
	if err != nil {
		return err
	}
	in, err := decodeCreateOrder(b)
	if err != nil {
		return err
	}
	p := newResponder(r, http.StatusCreated, func(v orderView) string { return "/v1/purchase-orders/" + v.ID }, a.orderView)
	_, err = a.createOrder(r.Context(), in, p.finish)
	return p.write(w, err)
}

// orderView is o for the API, its delivery estimate read through q.
func (a *app) orderView(ctx context.Context, q pgx.Tx, o Order) (orderView, error) {
	expected, err := expectedDelivery(ctx, q, o, a.now())
	if err != nil {
		return orderView{}, err
	}
	return viewOf(o, expected), nil
}

func (a *app) handleGetOrder(w http.ResponseWriter, r *http.Request) error {
	o, err := loadOrder(r.Context(), a.db, r.PathValue("id"), false)
	if err != nil {
		return err
	}
	return a.writeOrder(w, r, http.StatusOK, o)
}

func (a *app) handleTransition(w http.ResponseWriter, r *http.Request) error {
	b, err := body(r)
	if err != nil {
		return err
	}
	req, err := decodeTransition(b)
	if err != nil {
		return err
	}
	p := newResponder(r, http.StatusOK, nil, a.orderView)
	_, err = a.transition(r.Context(), r.PathValue("id"), req, p.finish)
	return p.write(w, err)
}

func (a *app) handleListOrders(w http.ResponseWriter, r *http.Request) error {
	f, err := decodeOrderFilter(r.URL.Query())
	if err != nil {
		return err
	}
	orders, next, err := listOrders(r.Context(), a.db, f)
	if err != nil {
		return err
	}
	page := struct {
		Items      []orderView `json:"items"`
		NextCursor *string     `json:"next_cursor"`
	}{Items: []orderView{}}
	for _, o := range orders {
		expected, err := expectedDelivery(r.Context(), a.db, o, a.now())
		if err != nil {
			return err
		}
		page.Items = append(page.Items, viewOf(o, expected))
	}
	if next != "" {
		page.NextCursor = &next
	}
	return httpedge.WriteJSON(w, http.StatusOK, page)
}

func (a *app) handleAdjustStock(w http.ResponseWriter, r *http.Request) error {
	b, err := body(r)
	if err != nil {
		return err
	}
	adjs, many, err := decodeAdjustments(b, a.now().UTC())
	if err != nil {
		return err
	}
	p := newResponder(r, http.StatusCreated, nil, func(_ context.Context, _ pgx.Tx, out []adjusted) (any, error) {
		views := make([]adjustedView, len(out))
		for i, o := range out {
			views[i] = adjustedView{o.AdjustmentID, levelViewOf(o.Level, o.Alert)}
		}
		if many {
			return map[string]any{"items": views}, nil
		}
		return views[0], nil
	})
	_, err = a.adjustStocks(r.Context(), adjs, p.finish)
	return p.write(w, err)
}

type adjustedView struct {
	AdjustmentID string    `json:"adjustment_id"`
	Level        levelView `json:"stock_level"`
}

func (a *app) handleStockLevels(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	for _, k := range []string{"sku", "location_id"} {
		if v := q.Get(k); v != "" {
			if p := checkID(k, v); p != nil {
				return p
			}
		}
	}
	items, err := a.levels(r.Context(), q.Get("sku"), q.Get("location_id"))
	if err != nil {
		return err
	}
	return httpedge.WriteJSON(w, http.StatusOK, map[string]any{"items": items})
}

func (a *app) handlePutSupplier(w http.ResponseWriter, r *http.Request) error {
	b, err := body(r)
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	in, err := decodeSupplier(id, b)
	if err != nil {
		return err
	}
	v, err := putSupplier(r.Context(), a.db, id, in, a.now().UTC())
	if err != nil {
		return err
	}
	return httpedge.WriteJSON(w, http.StatusOK, v)
}

func (a *app) handleListSuppliers(w http.ResponseWriter, r *http.Request) error {
	items, err := suppliers(r.Context(), a.db)
	if err != nil {
		return err
	}
	return httpedge.WriteJSON(w, http.StatusOK, map[string]any{"items": items})
}

// decodeOrderFilter reads the list's query parameters; limit defaults to 20, at most 100.
func decodeOrderFilter(q map[string][]string) (orderFilter, error) {
	get := func(k string) string {
		if v := q[k]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	f := orderFilter{Limit: 20, SupplierID: get("supplier_id"), SKU: get("sku")}
	if s := get("status"); s != "" {
		st := Status(s)
		known := false
		for _, k := range Statuses {
			known = known || k == st
		}
		if !known {
			return f, invalid("status", "is not a purchase order status")
		}
		f.Status = &st
	}
	for _, c := range []struct{ field, v string }{{"supplier_id", f.SupplierID}, {"sku", f.SKU}} {
		if c.v != "" {
			if p := checkID(c.field, c.v); p != nil {
				return f, p
			}
		}
	}
	if s := get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 100 {
			return f, invalid("limit", "must be between 1 and 100")
		}
		f.Limit = n
	}
	if s := get("cursor"); s != "" {
		c, err := parseCursor(s)
		if err != nil {
			return f, invalid("cursor", "is not a cursor this API returned")
		}
		f.After = c
	}
	return f, nil
}
