-- Idempotent order placement: the order id is derived from (customer, Idempotency-Key), so a retry
-- lands on the same row; the request fingerprint tells "the same order again" (answer it) from
-- "another order under a used key" (409). The fingerprint is a keyed HMAC (a key derived from the
-- service's data key), never a plain hash: a card number has too few unknown digits for a plain
-- hash to hide it.

ALTER TABLE placed_orders
  ADD COLUMN request_fingerprint text NOT NULL CHECK (request_fingerprint ~ '^[A-Za-z0-9_-]{43}$');
