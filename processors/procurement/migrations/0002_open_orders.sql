-- What is on order for an item at a location (a level's reorder inputs, read on every stock
-- adjustment and transition) starts from the open orders delivering there: few, however
-- long the history, and this index finds them by location and status. Without it the
-- planner scanned every order (48 ms at 20,000 orders, 0.05 ms with it; README.md,
-- "Speed"). Not partial: the statuses are a parameter, which a generic plan cannot match
-- to a partial index's predicate.
CREATE INDEX purchase_orders_open ON purchase_orders (location_id, status);
