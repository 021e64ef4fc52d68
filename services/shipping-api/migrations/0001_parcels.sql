-- The shipping partner's parcels. The table belongs to the NOLOGIN role shipping_owner (this file
-- runs as it); the login role shipping_api gets only the DML below.
--
-- The partner never stores Mythical Retail's customer id: `customer_ref` is the partner's own
-- pairwise subject for the customer (what partner-idp puts in its tokens' `sub`). Parcels are
-- owned by that subject: row-level security is forced and compares `customer_ref` with
-- `app.customer_id` (withCustomerScope with the pairwise subject). No setting, no rows.

CREATE TABLE parcels (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  -- One parcel per retail order: a redelivered order.placed creates nothing twice.
  order_id         uuid NOT NULL UNIQUE,
  customer_ref     text NOT NULL CHECK (customer_ref <> ''),
  tracking_number  text NOT NULL UNIQUE CHECK (tracking_number <> ''),
  status           text NOT NULL DEFAULT 'label_created'
                   CHECK (status IN ('label_created', 'in_transit', 'out_for_delivery', 'delivered')),
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX parcels_by_customer ON parcels (customer_ref, created_at DESC);

ALTER TABLE parcels ENABLE ROW LEVEL SECURITY;
ALTER TABLE parcels FORCE ROW LEVEL SECURITY;
CREATE POLICY parcels_of_scoped_customer ON parcels
  USING (customer_ref = current_setting('app.customer_id', true))
  WITH CHECK (customer_ref = current_setting('app.customer_id', true));

GRANT SELECT, INSERT ON parcels TO shipping_api;
GRANT UPDATE (status, updated_at) ON parcels TO shipping_api;
