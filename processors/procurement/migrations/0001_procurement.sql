-- svc-inventory-procurement's six tables (the spec's list). Unqualified: the search path is
-- the service's schema. The transition history of an order lives in purchase_orders.history
-- (append-only jsonb) so the spec's table list stays the store's.

CREATE TABLE suppliers (
    supplier_id             text PRIMARY KEY,
    name                    text NOT NULL,
    promised_lead_time_days int  NOT NULL CHECK (promised_lead_time_days BETWEEN 1 AND 365),
    created_at              timestamptz NOT NULL,
    updated_at              timestamptz NOT NULL
);

CREATE TABLE purchase_orders (
    purchase_order_id uuid PRIMARY KEY,
    -- po_number is the human reference, PO-000001; an identity so numbers never collide.
    po_number         bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
    supplier_id       text NOT NULL REFERENCES suppliers,
    location_id       text NOT NULL,
    currency          char(3) NOT NULL,
    -- total_minor is derived from the lines at creation, never entered.
    total_minor       bigint NOT NULL CHECK (total_minor >= 0),
    status            text NOT NULL CHECK (status IN ('draft', 'submitted', 'awaiting_second_approval', 'approved',
                          'rejected', 'sent', 'partially_received', 'received', 'cancelled')),
    created_by        text NOT NULL,
    submitted_by      text,
    first_approved_by text,
    approved_by       text,
    sent_at           timestamptz,
    promised_date     date,
    received_at       timestamptz,
    history           jsonb NOT NULL DEFAULT '[]',
    created_at        timestamptz NOT NULL,
    updated_at        timestamptz NOT NULL
);
-- The list's keyset order.
CREATE INDEX purchase_orders_keyset ON purchase_orders (created_at DESC, purchase_order_id DESC);
CREATE INDEX purchase_orders_supplier ON purchase_orders (supplier_id, status);

CREATE TABLE po_line_items (
    purchase_order_id uuid NOT NULL REFERENCES purchase_orders,
    line_no           int  NOT NULL,
    sku               text NOT NULL,
    description       text NOT NULL,
    quantity          int  NOT NULL CHECK (quantity > 0),
    unit_cost_minor   bigint NOT NULL CHECK (unit_cost_minor >= 0),
    received_quantity int  NOT NULL DEFAULT 0 CHECK (received_quantity BETWEEN 0 AND quantity),
    PRIMARY KEY (purchase_order_id, line_no),
    UNIQUE (purchase_order_id, sku)
);
CREATE INDEX po_line_items_sku ON po_line_items (sku);

CREATE TABLE stock_levels (
    sku              text NOT NULL,
    location_id      text NOT NULL,
    item_name        text NOT NULL,
    on_hand          int  NOT NULL CHECK (on_hand >= 0),
    -- supplier_id is who last delivered the item here: its lead time feeds the reorder point.
    supplier_id      text REFERENCES suppliers,
    -- The reorder figures as of the last adjustment (reorder.go says how).
    avg_daily_demand double precision NOT NULL DEFAULT 0,
    demand_stddev    double precision NOT NULL DEFAULT 0,
    lead_time_days   double precision NOT NULL DEFAULT 0,
    lead_time_stddev double precision NOT NULL DEFAULT 0,
    safety_stock     double precision NOT NULL DEFAULT 0,
    reorder_point    double precision NOT NULL DEFAULT 0,
    updated_at       timestamptz NOT NULL,
    PRIMARY KEY (sku, location_id)
);

CREATE TABLE stock_adjustments (
    adjustment_id     uuid PRIMARY KEY,
    sku               text NOT NULL,
    location_id       text NOT NULL,
    kind              text NOT NULL CHECK (kind IN ('receipt', 'consumption', 'loss', 'correction')),
    -- delta is signed: receipts add, consumption and loss take away, corrections either.
    delta             int  NOT NULL CHECK (delta <> 0),
    reason            text NOT NULL,
    source            text NOT NULL,
    purchase_order_id uuid REFERENCES purchase_orders,
    occurred_at       timestamptz NOT NULL,
    recorded_at       timestamptz NOT NULL,
    FOREIGN KEY (sku, location_id) REFERENCES stock_levels
);
-- Demand over the window: consumption of one item at one place by time.
CREATE INDEX stock_adjustments_demand ON stock_adjustments (sku, location_id, occurred_at) WHERE kind = 'consumption';

CREATE TABLE reorder_alerts (
    alert_id           uuid PRIMARY KEY,
    sku                text NOT NULL,
    location_id        text NOT NULL,
    on_hand            int  NOT NULL,
    reorder_point      double precision NOT NULL,
    suggested_quantity int  NOT NULL,
    status             text NOT NULL CHECK (status IN ('open', 'cleared')),
    raised_at          timestamptz NOT NULL,
    cleared_at         timestamptz,
    cleared_because    text,
    FOREIGN KEY (sku, location_id) REFERENCES stock_levels
);
-- One open alert per item and place: a breach raises one, however many adjustments follow.
CREATE UNIQUE INDEX reorder_alerts_one_open ON reorder_alerts (sku, location_id) WHERE status = 'open';
