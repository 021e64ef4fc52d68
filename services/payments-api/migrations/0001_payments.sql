-- Payments system of record. Tables belong to the NOLOGIN role payments_owner (this file runs as
-- it); the login role payments_api gets only the DML below. Payments are customer-owned:
-- row-level security is forced and scoped by `app.customer_id` (withCustomerScope). No setting,
-- no rows.
--
-- Card data: only the vault's token is stored, never a card number (PAN). Tokens are
-- format-preserving but fail the Luhn check by construction, so a value that is 13-19 digits
-- (spaces and dashes ignored) AND passes Luhn is almost certainly a real PAN and is rejected.

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

CREATE TABLE payments (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  -- One settlement per order: a redelivered order.placed can never charge twice.
  order_id      uuid NOT NULL UNIQUE,
  customer_id   text NOT NULL CHECK (customer_id <> ''),
  card_token    text NOT NULL CHECK (card_token <> ''),
  amount_cents  integer NOT NULL CHECK (amount_cents > 0),
  currency      text NOT NULL DEFAULT 'EUR' CHECK (currency ~ '^[A-Z]{3}$'),
  status        text NOT NULL CHECK (status IN ('settled', 'declined')),
  created_at    timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT card_token_is_not_a_pan CHECK (NOT looks_like_pan(card_token))
);

CREATE INDEX payments_by_customer ON payments (customer_id, created_at DESC);

ALTER TABLE payments ENABLE ROW LEVEL SECURITY;
ALTER TABLE payments FORCE ROW LEVEL SECURITY;
CREATE POLICY payments_of_scoped_customer ON payments
  USING (customer_id = current_setting('app.customer_id', true))
  WITH CHECK (customer_id = current_setting('app.customer_id', true));

-- Settlements are recorded once and never changed or deleted.
GRANT SELECT, INSERT ON payments TO payments_api;
