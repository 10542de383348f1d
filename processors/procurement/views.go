package procurement

import (
	"time"

	"github.com/novatrek/support/internal/platform/money"
)

// The API's JSON shapes. Amounts are decimal strings with their currency, never floats.

type moneyView struct {
	Amount   string `json:"amount"`
	Currency string `json:"currency"`
}

func moneyOf(a money.Amount) moneyView { return moneyView{Amount: a.Decimal(), Currency: a.Currency} }

type lineView struct {
	SKU              string    `json:"sku"`
	Description      string    `json:"description"`
	Quantity         int       `json:"quantity"`
	ReceivedQuantity int       `json:"received_quantity"`
	UnitCost         moneyView `json:"unit_cost"`
	LineTotal        moneyView `json:"line_total"`
}

type orderView struct {
	ID                   string     `json:"purchase_order_id"`
	PONumber             string     `json:"po_number"`
	SupplierID           string     `json:"supplier_id"`
	LocationID           string     `json:"location_id"`
	Status               Status     `json:"status"`
	Allowed              []Action   `json:"allowed_actions"`
	Total                moneyView  `json:"total"`
	Lines                []lineView `json:"lines"`
	CreatedBy            string     `json:"created_by"`
	SubmittedBy          *string    `json:"submitted_by"`
	FirstApprovedBy      *string    `json:"first_approved_by"`
	ApprovedBy           *string    `json:"approved_by"`
	SentAt               *time.Time `json:"sent_at"`
	PromisedDate         *string    `json:"promised_date"`
	ExpectedDeliveryDate *string    `json:"expected_delivery_date"`
	ReceivedAt           *time.Time `json:"received_at"`
	History              []Change   `json:"history"`
	CreatedAt            time.Time  `json:"created_at"`
	UpdatedAt            time.Time  `json:"updated_at"`
}

// viewOf is o for the API; expected is the delivery estimate (estimate.go), nil when the
// order is not on its way.
func viewOf(o Order, expected *time.Time) orderView {
	v := orderView{ID: o.ID, PONumber: o.PONumber(), SupplierID: o.SupplierID, LocationID: o.LocationID, Status: o.Status,
		Allowed: Allowed(o.Status), Total: moneyOf(o.Total), CreatedBy: o.CreatedBy, SubmittedBy: o.SubmittedBy,
		FirstApprovedBy: o.FirstApprovedBy, ApprovedBy: o.ApprovedBy, SentAt: o.SentAt, ReceivedAt: o.ReceivedAt,
		History: o.History, CreatedAt: o.CreatedAt, UpdatedAt: o.UpdatedAt, Lines: []lineView{}}
	if v.Allowed == nil {
		v.Allowed = []Action{}
	}
	v.PromisedDate, v.ExpectedDeliveryDate = date(o.PromisedDate), date(expected)
	for _, l := range o.Lines {
		v.Lines = append(v.Lines, lineView{SKU: l.SKU, Description: l.Description, Quantity: l.Quantity, ReceivedQuantity: l.Received,
			UnitCost: moneyOf(l.UnitCost), LineTotal: moneyOf(money.Amount{Minor: l.UnitCost.Minor * int64(l.Quantity), Currency: l.UnitCost.Currency})})
	}
	return v
}

func date(t *time.Time) *string {
	if t == nil {
		return nil
	}
	s := t.UTC().Format(time.DateOnly)
	return &s
}

type levelView struct {
	SKU            string      `json:"sku"`
	LocationID     string      `json:"location_id"`
	ItemName       string      `json:"item_name"`
	OnHand         int         `json:"on_hand"`
	OnOrder        int         `json:"on_order"`
	SupplierID     *string     `json:"supplier_id"`
	AvgDailyDemand float64     `json:"avg_daily_demand"`
	DemandStdDev   float64     `json:"demand_stddev"`
	LeadTimeDays   float64     `json:"lead_time_days"`
	LeadTimeStdDev float64     `json:"lead_time_stddev_days"`
	SafetyStock    float64     `json:"safety_stock"`
	ReorderPoint   float64     `json:"reorder_point"`
	DaysOfCover    *float64    `json:"days_of_cover"`
	OpenAlert      *alertState `json:"open_alert"`
}

func levelViewOf(lv level, alert *alertState) levelView {
	return levelView{SKU: lv.SKU, LocationID: lv.LocationID, ItemName: lv.ItemName, OnHand: lv.OnHand, OnOrder: lv.OnOrder,
		SupplierID: lv.SupplierID, AvgDailyDemand: lv.Demand.Mean, DemandStdDev: lv.Demand.StdDev, LeadTimeDays: lv.Lead.Mean,
		LeadTimeStdDev: lv.Lead.StdDev, SafetyStock: lv.Reorder.SafetyStock, ReorderPoint: lv.Reorder.Point,
		DaysOfCover: daysOfCover(lv.OnHand, lv.Demand), OpenAlert: alert}
}
