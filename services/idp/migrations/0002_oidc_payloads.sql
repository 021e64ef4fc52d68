-- Persistent storage for oidc-provider models (sessions, grants, codes, tokens, PAR requests,
-- interactions, …): one row per (model, id), the payload as JSONB. Expired rows are invisible
-- to the adapter and purged by it; `consumed_at` marks single-use artifacts (codes, refresh
-- tokens) so a replay is detected even after a restart.

CREATE TABLE oidc_payloads (
  model        text NOT NULL,
  id           text NOT NULL,
  payload      jsonb NOT NULL,
  grant_id     text,
  user_code    text,
  uid          text,
  expires_at   timestamptz,
  consumed_at  timestamptz,
  PRIMARY KEY (model, id)
);

CREATE INDEX oidc_payloads_grant_id ON oidc_payloads (grant_id) WHERE grant_id IS NOT NULL;
CREATE INDEX oidc_payloads_user_code ON oidc_payloads (model, user_code) WHERE user_code IS NOT NULL;
CREATE INDEX oidc_payloads_uid ON oidc_payloads (model, uid) WHERE uid IS NOT NULL;
CREATE INDEX oidc_payloads_expires_at ON oidc_payloads (expires_at);

GRANT SELECT, INSERT, UPDATE, DELETE ON oidc_payloads TO idp;
