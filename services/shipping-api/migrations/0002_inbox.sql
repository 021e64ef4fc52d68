-- Inbox for idempotent consumption: the id of every order.placed message already processed,
-- inserted in the same transaction as its effects. A redelivered message then hits the primary
-- key, and the consumer acknowledges it without processing it twice. Not customer-owned (no RLS):
-- it holds message ids only, and is checked before any customer scope is opened.

CREATE TABLE inbox (
  message_id   text PRIMARY KEY CHECK (message_id <> ''),
  received_at  timestamptz NOT NULL DEFAULT now()
);

GRANT SELECT, INSERT ON inbox TO shipping_api;
