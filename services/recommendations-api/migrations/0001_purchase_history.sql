-- Recommendations data: what each customer bought, fed by order.placed. The table belongs to the
-- NOLOGIN role recommendations_owner (this file runs as it); the login role recommendations_api
-- gets only the DML below. Purchase history is customer-owned: row-level security is forced and
-- scoped by `app.customer_id` (withCustomerScope). No setting, no rows.

CREATE TABLE purchase_history (
  customer_id   text NOT NULL CHECK (customer_id <> ''),
  order_id      uuid NOT NULL,
  sku           text NOT NULL CHECK (sku <> ''),
  quantity      integer NOT NULL CHECK (quantity > 0),
  purchased_at  timestamptz NOT NULL DEFAULT now(),
  -- A redelivered order.placed adds nothing twice.
  PRIMARY KEY (order_id, sku)
);

CREATE INDEX purchase_history_by_customer ON purchase_history (customer_id, purchased_at DESC);

ALTER TABLE purchase_history ENABLE ROW LEVEL SECURITY;
ALTER TABLE purchase_history FORCE ROW LEVEL SECURITY;
CREATE POLICY purchase_history_of_scoped_customer ON purchase_history
  USING (customer_id = current_setting('app.customer_id', true))
  WITH CHECK (customer_id = current_setting('app.customer_id', true));

GRANT SELECT, INSERT ON purchase_history TO recommendations_api;
