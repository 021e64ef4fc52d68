-- Sign-in hardening (issue 13).
--
-- 1. Throttling replaces the per-account lock: counters keyed by (account, client address) and
--    by account (src/accounts/sign-in-throttle.ts). `id` is `<scope>:<HMAC>` — no username or
--    address in clear. A counter and its block share one expiry (`expires_at`).
-- 2. TOTP secrets are sealed as compact JWE (`dir` + `A256GCM`, src/accounts/secret-box.ts); the
--    retired `v1.` format stays allowed only until the IdP re-seals it at start-up.

CREATE TABLE sign_in_throttle (
  id             text PRIMARY KEY,
  failures       integer NOT NULL CHECK (failures >= 0),
  blocked_until  timestamptz,
  expires_at     timestamptz NOT NULL
);
CREATE INDEX sign_in_throttle_expires_at ON sign_in_throttle (expires_at);
GRANT SELECT, INSERT, UPDATE, DELETE ON sign_in_throttle TO idp;

ALTER TABLE accounts
  DROP COLUMN failed_attempts,
  DROP COLUMN locked_until,
  DROP CONSTRAINT totp_is_sealed,
  ADD CONSTRAINT totp_is_sealed CHECK (
    totp_secret IS NULL
    OR totp_secret LIKE 'v1.%'
    -- protected header . (empty: dir) . 96-bit IV . ciphertext . 128-bit tag
    OR totp_secret ~ '^eyJ[A-Za-z0-9_-]+\.\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22}$'
  );
