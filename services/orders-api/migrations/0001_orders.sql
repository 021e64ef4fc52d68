-- Orders system of record. Tables belong to the NOLOGIN role orders_owner (this file runs as it);
-- the login role orders_api gets only the DML below. Both tables are customer-owned: row-level
-- security is forced and scoped by `app.customer_id`, which @mythical/db's withCustomerScope sets
-- per transaction. No setting, no rows.

CREATE TABLE orders (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  customer_id  text NOT NULL CHECK (customer_id <> ''),
  status       text NOT NULL DEFAULT 'placed'
               CHECK (status IN ('placed', 'paid', 'shipped', 'delivered', 'cancelled')),
  total_cents  integer NOT NULL CHECK (total_cents >= 0),
  currency     text NOT NULL DEFAULT 'EUR' CHECK (currency ~ '^[A-Z]{3}$'),
  placed_at    timestamptz NOT NULL DEFAULT now(),
  -- Target of order_lines' composite key below.
  UNIQUE (id, customer_id)
);

CREATE INDEX orders_by_customer ON orders (customer_id, placed_at DESC);

CREATE TABLE order_lines (
  order_id          uuid NOT NULL,
  line_no           integer NOT NULL CHECK (line_no > 0),
  customer_id       text NOT NULL,
  sku               text NOT NULL CHECK (sku <> ''),
  quantity          integer NOT NULL CHECK (quantity > 0),
  unit_price_cents  integer NOT NULL CHECK (unit_price_cents >= 0),
  PRIMARY KEY (order_id, line_no),
  -- The line repeats its order's customer so RLS needs no join, and this key keeps the two equal:
  -- a line can never be attached to another customer's order.
  FOREIGN KEY (order_id, customer_id) REFERENCES orders (id, customer_id) ON DELETE CASCADE
);

ALTER TABLE orders ENABLE ROW LEVEL SECURITY;
ALTER TABLE orders FORCE ROW LEVEL SECURITY;
CREATE POLICY orders_of_scoped_customer ON orders
  USING (customer_id = current_setting('app.customer_id', true))
  WITH CHECK (customer_id = current_setting('app.customer_id', true));

ALTER TABLE order_lines ENABLE ROW LEVEL SECURITY;
ALTER TABLE order_lines FORCE ROW LEVEL SECURITY;
CREATE POLICY order_lines_of_scoped_customer ON order_lines
  USING (customer_id = current_setting('app.customer_id', true))
  WITH CHECK (customer_id = current_setting('app.customer_id', true));

-- Orders are placed and move through their states; they are never deleted or re-assigned.
GRANT SELECT, INSERT ON orders, order_lines TO orders_api;
GRANT UPDATE (status) ON orders TO orders_api;
