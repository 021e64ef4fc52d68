-- What an order shows of the card and of the request that placed it. Only the brand and the last
-- four digits are kept here (the card token lives with fulfillment and payments, the card number
-- nowhere): the CHECKs make sure no longer digit run can ever land in these columns. The trace id
-- ties the order to its trust trace. Nullable for rows written before this migration; orders-api
-- always sets them. The table-level grants of 0001 cover the new columns.

ALTER TABLE orders
  ADD COLUMN card_brand  text CHECK (card_brand ~ '^[a-z]{2,16}$'),
  ADD COLUMN card_last4  text CHECK (card_last4 ~ '^[0-9]{4}$'),
  ADD COLUMN trace_id    text CHECK (trace_id ~ '^[0-9a-f]{32}$');
