package procurement

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/novatrek/support/internal/platform/fault"
	"github.com/novatrek/support/internal/platform/httpedge"
	"github.com/novatrek/support/internal/platform/money"
	"github.com/novatrek/support/internal/platform/problem"
)

// The request decoders: strict JSON (httpedge.DecodeBody), then every field checked, each
// refusal a 400 naming the field without echoing the value. They are pure, so the fuzz
// tests drive them directly.

// maxLines bounds an order's lines and a receipt's: a purchase order is read by people.
const maxLines = 100

// idPattern is what supplier, location and SKU ids look like: printable, no spaces, short.
var idPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$`)

func invalid(field, reason string) *problem.Problem {
	return problem.Validation(fmt.Sprintf("%s %s.", field, reason), problem.FieldError{Field: field, Reason: reason})
}

func checkID(field, v string) *problem.Problem {
	if !idPattern.MatchString(v) {
		return invalid(field, "must be 1-64 letters, digits or ._:- starting with a letter or digit")
	}
	return nil
}

// checkText checks a required free-text field (an actor, a reason) of at most n bytes.
func checkText(field, v string, n int) *problem.Problem {
	if strings.TrimSpace(v) == "" {
		return invalid(field, "is required")
	}
	if len(v) > n {
		return invalid(field, fmt.Sprintf("is longer than %d bytes", n))
	}
	return nil
}

// newOrder is a create request checked: lines with exact unit costs in the order's currency.
type newOrder struct {
	SupplierID, LocationID, CreatedBy string
	Currency                          string
	Lines                             []newLine
}

type newLine struct {
	SKU      string
	Quantity int
	UnitCost money.Amount
}

type createOrderRequest struct {
	SupplierID string `json:"supplier_id"`
	LocationID string `json:"location_id"`
	Currency   string `json:"currency"`
	CreatedBy  string `json:"created_by"`
	Lines      []struct {
		quantityLine
		UnitCost string `json:"unit_cost"`
	} `json:"lines"`
}

// quantityLine is a count of one item, on an order or a receipt.
type quantityLine struct {
	SKU      string `json:"sku"`
	Quantity int    `json:"quantity"`
}

// checkLines checks what order and receipt lines share: 1 to maxLines of them, each a valid
// SKU with 1 to 1,000,000 units, one line per SKU.
func checkLines(lines []quantityLine) *problem.Problem {
	if len(lines) == 0 || len(lines) > maxLines {
		return invalid("lines", fmt.Sprintf("must hold 1 to %d lines", maxLines))
	}
	seen := map[string]bool{}
	for i, l := range lines {
		field := fmt.Sprintf("lines[%d]", i)
		if p := checkID(field+".sku", l.SKU); p != nil {
			return p
		}
		if seen[l.SKU] {
			return invalid(field+".sku", "repeats an earlier line's SKU; one line per item")
		}
		seen[l.SKU] = true
		if l.Quantity < 1 || l.Quantity > 1_000_000 {
			return invalid(field+".quantity", "must be between 1 and 1000000")
		}
	}
	return nil
}

// decodeCreateOrder reads a create request. The total is never taken from the caller: it
// is derived from the lines (orderTotal).
func decodeCreateOrder(body []byte) (newOrder, error) {
	var req createOrderRequest
	if p := httpedge.DecodeBody(body, &req); p != nil {
		return newOrder{}, p
	}
	for _, c := range []struct{ field, v string }{{"supplier_id", req.SupplierID}, {"location_id", req.LocationID}} {
		if p := checkID(c.field, c.v); p != nil {
			return newOrder{}, p
		}
	}
	if p := checkText("created_by", req.CreatedBy, 200); p != nil {
		return newOrder{}, p
	}
	if _, err := money.LookupCurrency(req.Currency); err != nil {
		return newOrder{}, invalid("currency", "is not an ISO 4217 code we know")
	}
	counts := make([]quantityLine, len(req.Lines))
	for i, l := range req.Lines {
		counts[i] = l.quantityLine
	}
	if p := checkLines(counts); p != nil {
		return newOrder{}, p
	}
	o := newOrder{SupplierID: req.SupplierID, LocationID: req.LocationID, CreatedBy: req.CreatedBy, Currency: req.Currency}
	for i, l := range req.Lines {
		cost, err := money.Parse(l.UnitCost, req.Currency)
		if err != nil || cost.Minor < 0 {
			return newOrder{}, invalid(fmt.Sprintf("lines[%d].unit_cost", i), "must be a non-negative decimal string in the order's currency, such as \"12.50\"")
		}
		o.Lines = append(o.Lines, newLine{SKU: l.SKU, Quantity: l.Quantity, UnitCost: cost})
	}
	if _, err := orderTotal(o.Currency, o.Lines); err != nil {
		return newOrder{}, invalid("lines", "total out of range")
	}
	return o, nil
}

// orderTotal is Σ quantity × unit cost, exact, refused beyond money.MaxMinor.
func orderTotal(currency string, lines []newLine) (money.Amount, error) {
	var total int64
	for _, l := range lines {
		if l.UnitCost.Minor > 0 && int64(l.Quantity) > money.MaxMinor/l.UnitCost.Minor {
			return money.Amount{}, money.ErrRange
		}
		total += int64(l.Quantity) * l.UnitCost.Minor
		if total > money.MaxMinor {
			return money.Amount{}, money.ErrRange
		}
	}
	return money.New(total, currency)
}

// transitionRequest is a checked transition: who asks for what, and for a receipt what
// arrived.
type transitionRequest struct {
	Action Action
	Actor  string
	Reason string
	Lines  []quantityLine
}

type transitionBody struct {
	Action string         `json:"action"`
	Actor  string         `json:"actor"`
	Reason string         `json:"reason"`
	Lines  []quantityLine `json:"lines"`
}

func decodeTransition(body []byte) (transitionRequest, error) {
	var b transitionBody
	if p := httpedge.DecodeBody(body, &b); p != nil {
		return transitionRequest{}, p
	}
	known := false
	for _, a := range Actions {
		known = known || string(a) == b.Action
	}
	if !known {
		return transitionRequest{}, invalid("action", "must be one of submit, approve, reject, send, cancel, receive")
	}
	if p := checkText("actor", b.Actor, 200); p != nil {
		return transitionRequest{}, p
	}
	if len(b.Reason) > 1000 {
		return transitionRequest{}, invalid("reason", "is longer than 1000 bytes")
	}
	r := transitionRequest{Action: Action(b.Action), Actor: b.Actor, Reason: b.Reason}
	if r.Action != Receive {
		if len(b.Lines) > 0 {
			return transitionRequest{}, invalid("lines", "are taken only by receive")
		}
		return r, nil
	}
	if p := checkLines(b.Lines); p != nil {
		return transitionRequest{}, p
	}
	r.Lines = b.Lines
	return r, nil
}

// Kind is a stock adjustment's kind.
type Kind string

// The kinds of stock adjustment. Only consumption counts as demand: a loss is not a
// customer's need, and counting it would raise every reorder point after a theft.
const (
	KindReceipt     Kind = "receipt"
	KindConsumption Kind = "consumption"
	KindLoss        Kind = "loss"
	KindCorrection  Kind = "correction"
)

// adjustment is a checked stock adjustment; Delta is signed.
type adjustment struct {
	SKU, LocationID  string
	Kind             Kind
	Delta            int
	Reason, Source   string
	OccurredAt       time.Time
	PurchaseOrderID  *string
	ReceivedSupplier *string
}

type adjustmentBody struct {
	SKU        string     `json:"sku"`
	LocationID string     `json:"location_id"`
	Kind       string     `json:"kind"`
	Quantity   int        `json:"quantity"`
	Reason     string     `json:"reason"`
	Source     string     `json:"source"`
	OccurredAt *time.Time `json:"occurred_at"`
}

// decodeAdjustment reads a stock adjustment. quantity is a count of units, positive, for a
// receipt, consumption or loss (the kind gives the sign), and signed for a correction.
// occurred_at defaults to now and may not lie in the future (a late entry of yesterday's
// consumption is fine).
func decodeAdjustment(body []byte, now time.Time) (adjustment, error) {
	var b adjustmentBody
	if p := httpedge.DecodeBody(body, &b); p != nil {
		return adjustment{}, p
	}
	for _, c := range []struct{ field, v string }{{"sku", b.SKU}, {"location_id", b.LocationID}} {
		if p := checkID(c.field, c.v); p != nil {
			return adjustment{}, p
		}
	}
	a := adjustment{SKU: b.SKU, LocationID: b.LocationID, Kind: Kind(b.Kind), Reason: b.Reason, Source: b.Source, OccurredAt: now}
	if b.Quantity == 0 || b.Quantity > 1_000_000 || b.Quantity < -1_000_000 {
		return adjustment{}, invalid("quantity", "must be a non-zero count of at most 1000000 units")
	}
	switch a.Kind {
	case KindReceipt, KindConsumption, KindLoss:
		if b.Quantity < 0 {
			return adjustment{}, invalid("quantity", "must be positive for "+b.Kind+" (the kind gives the sign)")
		}
		a.Delta = b.Quantity
		if a.Kind != KindReceipt {
			a.Delta = -b.Quantity
		}
	case KindCorrection:
		a.Delta = b.Quantity
	default:
		return adjustment{}, invalid("kind", "must be one of receipt, consumption, loss, correction")
	}
	if p := checkText("reason", b.Reason, 500); p != nil {
		return adjustment{}, p
	}
	if p := checkText("source", b.Source, 200); p != nil {
		return adjustment{}, p
	}
	if b.OccurredAt != nil {
		if b.OccurredAt.After(now) {
			return adjustment{}, invalid("occurred_at", "lies in the future")
		}
		a.OccurredAt = b.OccurredAt.UTC()
	}
	return a, nil
}

type supplierBody struct {
	Name                 string `json:"name"`
	PromisedLeadTimeDays int    `json:"promised_lead_time_days"`
}

func decodeSupplier(id string, body []byte) (supplierBody, error) {
	var b supplierBody
	if p := checkID("id", id); p != nil {
		return b, p
	}
	if p := httpedge.DecodeBody(body, &b); p != nil {
		return b, p
	}
	if p := checkText("name", b.Name, 200); p != nil {
		return b, p
	}
	if b.PromisedLeadTimeDays < 1 || b.PromisedLeadTimeDays > 365 {
		return b, invalid("promised_lead_time_days", "must be between 1 and 365")
	}
	return b, nil
}

// maxAdjustments bounds an array of adjustments (a bulk stock count) in one request; the
// body limit (64 KiB) bounds it too, at about 400 adjustments.
const maxAdjustments = 500

// decodeAdjustments reads the body of POST /v1/stock-adjustments: one adjustment (an
// object; many false) or an array of 1 to maxAdjustments of them, each read as
// decodeAdjustment reads one, a problem naming the item's fields as "[i].field".
func decodeAdjustments(body []byte, now time.Time) (adjs []adjustment, many bool, err error) {
	if t := bytes.TrimLeft(body, " \t\r\n"); len(t) == 0 || t[0] != '[' {
		adj, err := decodeAdjustment(body, now)
		return []adjustment{adj}, false, err
	}
	var items []json.RawMessage
	if err := json.Unmarshal(body, &items); err != nil {
		return nil, true, problem.Validation("The body is not a JSON array of adjustments.")
	}
	if len(items) == 0 || len(items) > maxAdjustments {
		return nil, true, problem.Validation(fmt.Sprintf("An array of adjustments holds 1 to %d of them, not %d.", maxAdjustments, len(items)))
	}
	adjs = make([]adjustment, len(items))
	for i, item := range items {
		if adjs[i], err = decodeAdjustment(item, now); err != nil {
			return nil, true, atItem(err, i, len(items))
		}
	}
	return adjs, true, nil
}

// atItem names item i of an array request in err, when the request holds more than one:
// its field errors get the prefix "[i]." and the problem an "item" member. Other errors
// are returned as they are.
func atItem(err error, i, n int) error {
	if n < 2 {
		return err
	}
	prefix := fmt.Sprintf("[%d].", i)
	var p *problem.Problem
	var f *fault.Error
	switch {
	case errors.As(err, &p):
		prefixFields(p.Extensions, prefix)
		p.With("item", i)
	case errors.As(err, &f):
		prefixFields(f.Extensions, prefix)
		f.With("item", i)
	}
	return err
}

func prefixFields(ext map[string]any, prefix string) {
	switch fields := ext["errors"].(type) {
	case []problem.FieldError:
		for j := range fields {
			fields[j].Field = prefix + fields[j].Field
		}
	case []map[string]string:
		for _, m := range fields {
			m["field"] = prefix + m["field"]
		}
	}
}
