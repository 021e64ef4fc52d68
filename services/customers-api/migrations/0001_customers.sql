-- Customers and loyalty system of record. Tables belong to the NOLOGIN role customers_owner (this
-- file runs as it); the login role customers_api gets only the DML below. Row-level security is
-- forced on both tables:
--   * a customer's own rows when `app.customer_id` is set (withCustomerScope);
--   * any customer for reading, and registering new customers, only when `app.staff_id` is set
--     (withStaffScope, after the sales associate's MFA token and role were checked).
-- No setting, no rows.

CREATE TABLE customers (
  customer_id    text PRIMARY KEY CHECK (customer_id <> ''), -- the retail IdP subject
  display_name   text NOT NULL CHECK (display_name <> ''),
  email          text NOT NULL UNIQUE CHECK (email LIKE '%_@_%'),
  -- Staff member who registered the customer in a store; NULL for self-registered customers.
  registered_by  text CHECK (registered_by <> ''),
  created_at     timestamptz NOT NULL DEFAULT now()
);

-- Append-only: the balance is the sum of the entries, corrections are new entries.
-- No foreign key to customers: points earned by a signed-in customer are kept even before a
-- profile row exists (the identity lives in the IdP, not here).
CREATE TABLE loyalty_ledger (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  customer_id  text NOT NULL CHECK (customer_id <> ''),
  order_id     uuid,
  points       integer NOT NULL CHECK (points <> 0),
  reason       text NOT NULL CHECK (reason IN ('order_placed', 'redeemed', 'adjustment')),
  created_at   timestamptz NOT NULL DEFAULT now(),
  CHECK (reason <> 'order_placed' OR order_id IS NOT NULL)
);

-- One earning per order: a redelivered order.placed can never add the points twice.
CREATE UNIQUE INDEX loyalty_earned_once_per_order ON loyalty_ledger (order_id)
  WHERE reason = 'order_placed';
CREATE INDEX loyalty_by_customer ON loyalty_ledger (customer_id, created_at DESC);

ALTER TABLE customers ENABLE ROW LEVEL SECURITY;
ALTER TABLE customers FORCE ROW LEVEL SECURITY;
CREATE POLICY customers_self ON customers
  USING (customer_id = current_setting('app.customer_id', true))
  WITH CHECK (customer_id = current_setting('app.customer_id', true));
CREATE POLICY customers_staff_lookup ON customers FOR SELECT
  USING (coalesce(current_setting('app.staff_id', true), '') <> '');
CREATE POLICY customers_staff_register ON customers FOR INSERT
  WITH CHECK (registered_by = current_setting('app.staff_id', true));

ALTER TABLE loyalty_ledger ENABLE ROW LEVEL SECURITY;
ALTER TABLE loyalty_ledger FORCE ROW LEVEL SECURITY;
CREATE POLICY loyalty_self ON loyalty_ledger
  USING (customer_id = current_setting('app.customer_id', true))
  WITH CHECK (customer_id = current_setting('app.customer_id', true));
CREATE POLICY loyalty_staff_lookup ON loyalty_ledger FOR SELECT
  USING (coalesce(current_setting('app.staff_id', true), '') <> '');

GRANT SELECT, INSERT ON customers TO customers_api;
GRANT UPDATE (display_name, email) ON customers TO customers_api;
GRANT SELECT, INSERT ON loyalty_ledger TO customers_api;
