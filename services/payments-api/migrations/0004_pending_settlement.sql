-- Settlement leaves the consumer's inbox transaction: the effect of order.placed now records the
-- payment as `pending` (same row, same RLS, the token only) and queues it; payments-api's
-- settlement loop detokenizes at the vault and charges the acquirer with no transaction open,
-- then records the outcome in a short one. A vault outage leaves the payment pending and retried
-- with back-off; it never holds a transaction or a broker delivery.

-- A payment is pending until its settlement decides it; then it is settled or declined for good.
ALTER TABLE payments DROP CONSTRAINT payments_status_check;
ALTER TABLE payments ADD CONSTRAINT payment_status_is_known
  CHECK (status IN ('pending', 'settled', 'declined'));
ALTER TABLE payments DROP CONSTRAINT settlement_outcome_is_complete;
ALTER TABLE payments ADD CONSTRAINT settlement_outcome_is_complete CHECK (
  (status = 'pending' AND settled_at IS NULL AND decline_reason IS NULL)
  OR (status = 'settled' AND settled_at IS NOT NULL AND decline_reason IS NULL)
  OR (status = 'declined' AND settled_at IS NULL AND decline_reason IS NOT NULL)
);

-- The one change a payment may see: its outcome, once, from pending. Column grants keep every
-- other column (token, amount, customer, trace) as it was inserted; the trigger keeps a decided
-- payment decided.
GRANT UPDATE (status, settled_at, decline_reason) ON payments TO payments_api;

CREATE FUNCTION payment_is_decided_once() RETURNS trigger
  LANGUAGE plpgsql
AS $$
BEGIN
  IF OLD.status <> 'pending' OR NEW.status = 'pending' THEN
    RAISE EXCEPTION 'payment % is already %: its outcome is final', OLD.order_id, OLD.status
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END
$$;

CREATE TRIGGER payment_is_decided_once BEFORE UPDATE ON payments
  FOR EACH ROW EXECUTE FUNCTION payment_is_decided_once();

-- The settlement loop's work list: one row per pending payment, removed in the transaction that
-- records its outcome. Not customer-owned (no RLS), like the inbox: it holds the order id, the
-- customer id that opens the payment's RLS scope, the order's trace context (the vault call is a
-- span of the order's trace) and the event id its audit records name — never card data.
-- `next_attempt_at` is both the back-off after a failed attempt and the lease of a claimed row:
-- a worker that dies mid-settlement leaves its rows to be picked again when the lease runs out.
CREATE TABLE settlement_queue (
  order_id         uuid PRIMARY KEY REFERENCES payments (order_id),
  customer_id      text NOT NULL CHECK (customer_id <> ''),
  event_id         text NOT NULL CHECK (event_id <> ''),
  traceparent      text NOT NULL CHECK (traceparent ~ '^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$'),
  attempts         integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  next_attempt_at  timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX settlement_queue_due ON settlement_queue (next_attempt_at);

GRANT SELECT, INSERT, DELETE ON settlement_queue TO payments_api;
GRANT UPDATE (attempts, next_attempt_at) ON settlement_queue TO payments_api;
