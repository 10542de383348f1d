package standin

// Item is one entry of the svc-gear-inventory stand-in's catalog.
type Item struct {
	SKU      string `json:"sku"`
	Name     string `json:"name"`
	Category string `json:"category"`
	Active   bool   `json:"active"`
	OnHand   int    `json:"on_hand"`
}

// Catalog is the fixed gear catalog the stand-in serves: what svc-inventory-procurement
// verifies purchase order lines against. One discontinued item lets callers test refusals.
var Catalog = []Item{
	{"GEAR-TENT-2P", "Two-person backpacking tent", "shelter", true, 48},
	{"GEAR-TENT-4P", "Four-person basecamp tent", "shelter", true, 20},
	{"GEAR-BAG-0C", "Sleeping bag, 0 °C", "sleep", true, 90},
	{"GEAR-PAD-INFL", "Inflatable sleeping pad", "sleep", true, 85},
	{"GEAR-PACK-65L", "65 L backpack", "packs", true, 60},
	{"GEAR-HELMET-WW", "Whitewater helmet", "safety", true, 120},
	{"GEAR-PFD-ADULT", "Personal flotation device, adult", "safety", true, 140},
	{"GEAR-PFD-YOUTH", "Personal flotation device, youth", "safety", true, 40},
	{"GEAR-HARNESS", "Climbing harness", "safety", true, 55},
	{"GEAR-BEAR-CAN", "Bear-resistant food canister", "camp", true, 75},
	{"GEAR-STOVE-CAN", "Canister stove", "camp", true, 35},
	{"GEAR-FILTER-H2O", "Water filter", "camp", true, 50},
	{"GEAR-PADDLE-KAYAK", "Kayak paddle", "boating", true, 64},
	{"GEAR-SPRAY-BEAR", "Bear spray", "safety", true, 110},
	{"GEAR-GPS-BEACON", "Satellite messenger", "safety", true, 30},
	{"GEAR-LANTERN-OLD", "Propane lantern (discontinued)", "camp", false, 0},
}

func item(sku string) (Item, bool) {
	for _, it := range Catalog {
		if it.SKU == sku {
			return it, true
		}
	}
	return Item{}, false
}
