-- Ingest cannot use ON CONFLICT DO NOTHING after all: PostgreSQL applies the SELECT policy to the
-- rows ON CONFLICT looks at, and ingest (no user scope) sees none, so every insert was refused.
-- Without a unique key an exporter's retried batch is appended again; the reads keep one copy of
-- each (trace_id, span_id).
ALTER TABLE spans DROP CONSTRAINT spans_pkey;
CREATE INDEX spans_by_trace ON spans (trace_id, span_id);
