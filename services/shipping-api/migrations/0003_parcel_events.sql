-- Parcel statuses as the tracking API names them (`label-created`, …), and each parcel's history:
-- one row per status it reached, which is what order-tracking-api answers as `events`.
-- History rows are owned like their parcel: `customer_ref` (the pairwise subject) under the same
-- forced row-level security, so another customer's history is invisible even to a buggy query.

ALTER TABLE parcels DROP CONSTRAINT parcels_status_check;
UPDATE parcels SET status = replace(status, '_', '-');
ALTER TABLE parcels ALTER COLUMN status SET DEFAULT 'label-created';
ALTER TABLE parcels ADD CONSTRAINT parcels_status_check
  CHECK (status IN ('label-created', 'in-transit', 'out-for-delivery', 'delivered'));

CREATE TABLE parcel_events (
  parcel_id     uuid NOT NULL REFERENCES parcels (id),
  customer_ref  text NOT NULL CHECK (customer_ref <> ''),
  status        text NOT NULL
                CHECK (status IN ('label-created', 'in-transit', 'out-for-delivery', 'delivered')),
  at            timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (parcel_id, status)
);

ALTER TABLE parcel_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE parcel_events FORCE ROW LEVEL SECURITY;
CREATE POLICY parcel_events_of_scoped_customer ON parcel_events
  USING (customer_ref = current_setting('app.customer_id', true))
  WITH CHECK (customer_ref = current_setting('app.customer_id', true));

GRANT SELECT, INSERT ON parcel_events TO shipping_api;
