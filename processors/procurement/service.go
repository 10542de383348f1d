// Package procurement is svc-inventory-procurement (CAP-4.2, Procurement and Vendor
// Management): purchase orders through a two-person approval workflow, stock levels and
// adjustments per item and location, reorder points computed from consumption and supplier
// lead times, reorder alerts raised once per breach, and supplier lead-time statistics used
// for delivery estimates.
//
// Every order line is verified against svc-gear-inventory's catalog ("Verify item catalog",
// synchronous) before anything is written. Every transition of an order emits
// purchase-order.status-changed, and every breach of a reorder point reorder-alert.raised,
// through the transactional outbox in the transaction that made the change. The spec gives
// it no events to consume: its input is its API.
package procurement

import (
	"embed"
	"time"

	"github.com/novatrek/support/internal/platform/migrate"
	"github.com/novatrek/support/internal/platform/service"
)

// ServiceName is the service's name in topics.yaml.
const ServiceName = "svc-inventory-procurement"

// The topics it emits to.
const (
	TopicStatusChanged = "novatrek.support.purchase-order.status-changed"
	TopicReorderAlert  = "novatrek.support.reorder-alert.raised"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// openAPI is the API's OpenAPI 3.1 document; the tests check every response against it.
//
//go:embed openapi.json
var openAPI []byte

// Callers of the API. svc-gear-inventory reads procurement orders (the spec's Data
// Ownership); procurement-ops is the owning team's back office, whose buyers and approvers
// act through it and name themselves as the actor of each change.
const (
	CallerGearInventory  = "svc-gear-inventory"
	CallerProcurementOps = "procurement-ops"
)

var (
	accessOrdersRead   = service.Perm("purchase-orders:read", CallerGearInventory, CallerProcurementOps)
	accessOrdersManage = service.Perm("purchase-orders:manage", CallerProcurementOps)
	accessStock        = service.Perm("stock:manage", CallerProcurementOps)
	accessSuppliers    = service.Perm("suppliers:manage", CallerProcurementOps)
)

// Spec is svc-inventory-procurement; cmd/novatrek/services.go lists it.
var Spec = &service.Spec[*app]{
	Name: ServiceName,
	Store: service.Store{Schema: "procurement", MaxConnsEnv: "PROCUREMENT_DB_MAX_CONNS",
		Migrations: []migrate.Set{migrate.Dir("procurement", migrationFiles, "migrations")}},
	New:      newApp,
	Produces: []string{TopicStatusChanged, TopicReorderAlert},
	Clients: []service.Client{
		// A catalog lookup is a read, so the client may repeat it once after a blip; a PO
		// waits at most two attempts of 2s per line before answering 503.
		{Name: "gear-inventory", URLEnv: "PROCUREMENT_GEAR_INVENTORY_URL", TimeoutEnv: "PROCUREMENT_GEAR_INVENTORY_TIMEOUT",
			Timeout: 2 * time.Second, Retries: 1, StandIn: CallerGearInventory},
	},
	API: service.API[*app]{OpenAPI: openAPI, Routes: routes, Idempotency: service.Idempotency{Required: true}},
}

// routes are the spec's eight endpoints. Writes that would double an effect if repeated
// require an Idempotency-Key; a supplier PUT is idempotent by nature and takes one
// optionally.
var routes = []service.Route[*app]{
	{Pattern: "POST /v1/purchase-orders", Access: accessOrdersManage, Key: service.KeyRequiredInTx, Handle: (*app).handleCreateOrder},
	{Pattern: "GET /v1/purchase-orders", Access: accessOrdersRead, Key: service.NoKey, Handle: (*app).handleListOrders},
	{Pattern: "GET /v1/purchase-orders/{id}", Access: accessOrdersRead, Key: service.NoKey, Handle: (*app).handleGetOrder},
	{Pattern: "POST /v1/purchase-orders/{id}/transitions", Access: accessOrdersManage, Key: service.KeyRequiredInTx, Handle: (*app).handleTransition},
	{Pattern: "POST /v1/stock-adjustments", Access: accessStock, Key: service.KeyRequiredInTx, Handle: (*app).handleAdjustStock},
	{Pattern: "GET /v1/stock-levels", Access: accessStock, Key: service.NoKey, Handle: (*app).handleStockLevels},
	{Pattern: "PUT /v1/suppliers/{id}", Access: accessSuppliers, Key: service.KeyOptional, Handle: (*app).handlePutSupplier},
	{Pattern: "GET /v1/suppliers", Access: accessSuppliers, Key: service.NoKey, Handle: (*app).handleListSuppliers},
}
