-- What a settlement records beyond 0001: the card as it may be shown (brand, last four digits —
-- the CHECKs keep any longer digit run out of these columns), when the acquirer settled it, why
-- it declined, and the trace id of the request that placed the order (its trust trace). Never a
-- card number or CVC: payments-api holds the card in memory for the acquirer call only.
-- The table-level grants of 0001 cover the new columns; rows are written once, complete.

ALTER TABLE payments
  ADD COLUMN card_brand      text NOT NULL CHECK (card_brand ~ '^[a-z]{2,16}$'),
  ADD COLUMN card_last4      text NOT NULL CHECK (card_last4 ~ '^[0-9]{4}$'),
  ADD COLUMN trace_id        text NOT NULL CHECK (trace_id ~ '^[0-9a-f]{32}$'),
  ADD COLUMN settled_at      timestamptz,
  ADD COLUMN decline_reason  text CHECK (decline_reason ~ '^[a-z_]{3,40}$'),
  -- A settled payment has its settlement time and no decline reason; a declined one the reverse.
  ADD CONSTRAINT settlement_outcome_is_complete CHECK (
    (status = 'settled' AND settled_at IS NOT NULL AND decline_reason IS NULL)
    OR (status = 'declined' AND settled_at IS NULL AND decline_reason IS NOT NULL)
  );
