-- Identity store of the retail IdP: accounts, groups, credentials.
-- Passwords are scrypt hashes (per-user salt, PHC-like string); TOTP secrets are AES-256-GCM
-- ciphertexts (key derived in the IdP, never stored here). Tables are owned by the migration
-- owner; the IdP's login role `idp` only gets the DML it needs.

CREATE TABLE accounts (
  id                   text PRIMARY KEY,
  username             text NOT NULL UNIQUE,
  display_name         text NOT NULL,
  email                text,
  password_hash        text NOT NULL,
  totp_secret          text,
  totp_last_time_step  bigint,
  failed_attempts      integer NOT NULL DEFAULT 0,
  locked_until         timestamptz,
  created_at           timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT password_is_scrypt CHECK (password_hash LIKE 'scrypt$%'),
  CONSTRAINT totp_is_sealed CHECK (totp_secret IS NULL OR totp_secret LIKE 'v1.%')
);

CREATE TABLE groups (
  name         text PRIMARY KEY,
  description  text NOT NULL
);

CREATE TABLE account_groups (
  account_id  text NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  group_name  text NOT NULL REFERENCES groups (name) ON DELETE CASCADE,
  PRIMARY KEY (account_id, group_name)
);

GRANT SELECT, INSERT, UPDATE ON accounts TO idp;
GRANT SELECT, INSERT ON groups, account_groups TO idp;
