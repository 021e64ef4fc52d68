-- Fencing of the settlement lease: each claim writes a fresh token into its queue row. A worker
-- whose lease ran out may find its row claimed again by another worker, with another token; before
-- it charges (and when it defers) it renews the row only WHERE claim_token is still its own, so a
-- worker that lost its claim charges nothing and moves no other worker's lease. NULL until the row
-- is first claimed. The charge itself also carries the order id as the acquirer's idempotency key,
-- for a worker that is already past this check when its lease runs out.
ALTER TABLE settlement_queue ADD COLUMN claim_token uuid;

GRANT UPDATE (claim_token) ON settlement_queue TO payments_api;
