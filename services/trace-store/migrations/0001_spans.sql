-- The trust trace store. Spans are evidence: append-only. The login role trace_store may INSERT
-- and SELECT, nothing else (no UPDATE, DELETE or TRUNCATE: a compromised exporter or a bug in the
-- store cannot rewrite what happened). Reads are per user: row-level security shows a span only
-- to the subject it belongs to (`enduser.id`, set by the services from the validated token), as
-- scoped per transaction by @mythical/db's withCustomerScope. Ingest inserts spans of every user.

CREATE TABLE spans (
  trace_id        text NOT NULL CHECK (trace_id ~ '^[0-9a-f]{32}$'),
  span_id         text NOT NULL CHECK (span_id ~ '^[0-9a-f]{16}$'),
  parent_span_id  text CHECK (parent_span_id ~ '^[0-9a-f]{16}$'),
  -- NULL: machine work that belongs to no user (never shown to a shopper).
  enduser_id      text CHECK (enduser_id <> ''),
  -- The workload that exported the span, from its client certificate, never from the payload.
  workload_id     text NOT NULL CHECK (workload_id LIKE 'spiffe://%'),
  name            text NOT NULL,
  kind            smallint NOT NULL,
  start_time      timestamptz NOT NULL,
  end_time        timestamptz NOT NULL,
  status_code     smallint NOT NULL,
  attributes      jsonb NOT NULL,
  events          jsonb NOT NULL,
  received_at     timestamptz NOT NULL DEFAULT now(),
  -- An exporter's retry of the same batch adds nothing (ON CONFLICT DO NOTHING needs no UPDATE).
  PRIMARY KEY (trace_id, span_id)
);

CREATE INDEX spans_by_user ON spans (enduser_id, start_time DESC);

ALTER TABLE spans ENABLE ROW LEVEL SECURITY;
ALTER TABLE spans FORCE ROW LEVEL SECURITY;
CREATE POLICY spans_of_scoped_user ON spans FOR SELECT
  USING (enduser_id = current_setting('app.customer_id', true));
-- Ingest writes spans of any user and of none; it reads nothing back.
CREATE POLICY spans_ingest ON spans FOR INSERT WITH CHECK (true);

GRANT SELECT, INSERT ON spans TO trace_store;
