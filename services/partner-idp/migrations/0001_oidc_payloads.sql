-- The partner IdP's oidc-provider state, in its own database: the table `@mythical/oidc-store`
-- reads and writes (the retail IdP's identity database holds the same one). Client assertion
-- `jti`s (oidc-provider ReplayDetection) and federated subject-token `jti`s are rows here, so a
-- replay is refused after a restart too. Expired rows are invisible to the store and purged by it.

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

GRANT SELECT, INSERT, UPDATE, DELETE ON oidc_payloads TO partner_idp;
