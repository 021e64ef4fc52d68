-- The process API's own records: orders it placed, and the transactional outbox for order.placed.
-- Tables belong to the NOLOGIN role fulfillment_owner (this file runs as it); the login role
-- order_fulfillment_api gets only the DML below.
--
-- An order and its outbox row are written in one transaction; a relay publishes unpublished rows
-- (signed, encrypted per subscriber) and stamps `published_at`. placed_orders is customer-owned
-- (row-level security forced, scoped by `app.customer_id`); the outbox is not, because the relay
-- works for no particular customer.
--
-- Card data: only the vault's token, never a card number (PAN). Tokens fail the Luhn check by
-- construction, so 13-19 digits (spaces and dashes ignored) passing Luhn are rejected, in the
-- token column and anywhere inside an outbox payload.

CREATE FUNCTION looks_like_pan(value text) RETURNS boolean
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
  SELECT CASE
    WHEN d !~ '^[0-9]{13,19}$' THEN false
    ELSE (
      -- Luhn: from the right, every second digit is doubled (minus 9 when above 9).
      SELECT sum(CASE WHEN (length(d) - i) % 2 = 0 THEN x WHEN x >= 5 THEN 2 * x - 9 ELSE 2 * x END)
             % 10 = 0
      FROM generate_series(1, length(d)) AS i,
           LATERAL (SELECT substr(d, i, 1)::int AS x) AS digit
    )
  END
  FROM (SELECT regexp_replace(value, '[ -]', '', 'g') AS d) AS normalized
$$;

-- Any run of 13-19 digits (single spaces or dashes between them allowed) that looks like a PAN.
CREATE FUNCTION contains_pan(value text) RETURNS boolean
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
  SELECT EXISTS (
    SELECT 1
    FROM regexp_matches(value, '[0-9](?:[ -]?[0-9]){12,18}', 'g') AS m
    WHERE looks_like_pan(m[1])
  )
$$;

CREATE TABLE placed_orders (
  order_id     uuid PRIMARY KEY,
  customer_id  text NOT NULL CHECK (customer_id <> ''),
  card_token   text NOT NULL CHECK (card_token <> ''),
  total_cents  integer NOT NULL CHECK (total_cents > 0),
  currency     text NOT NULL DEFAULT 'EUR' CHECK (currency ~ '^[A-Z]{3}$'),
  placed_at    timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT card_token_is_not_a_pan CHECK (NOT looks_like_pan(card_token))
);

CREATE INDEX placed_orders_by_customer ON placed_orders (customer_id, placed_at DESC);

ALTER TABLE placed_orders ENABLE ROW LEVEL SECURITY;
ALTER TABLE placed_orders FORCE ROW LEVEL SECURITY;
CREATE POLICY placed_orders_of_scoped_customer ON placed_orders
  USING (customer_id = current_setting('app.customer_id', true))
  WITH CHECK (customer_id = current_setting('app.customer_id', true));

CREATE TABLE outbox (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  -- The message id subscribers de-duplicate on (their inbox).
  event_id      uuid NOT NULL UNIQUE DEFAULT gen_random_uuid(),
  event_type    text NOT NULL CHECK (event_type IN ('order.placed')),
  aggregate_id  uuid NOT NULL REFERENCES placed_orders (order_id),
  payload       jsonb NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  published_at  timestamptz,
  CONSTRAINT payload_has_no_pan CHECK (NOT contains_pan(payload::text))
);

-- The relay's work queue: oldest unpublished first.
CREATE INDEX outbox_unpublished ON outbox (id) WHERE published_at IS NULL;

GRANT SELECT, INSERT ON placed_orders TO order_fulfillment_api;
GRANT SELECT, INSERT ON outbox TO order_fulfillment_api;
GRANT UPDATE (published_at) ON outbox TO order_fulfillment_api;
