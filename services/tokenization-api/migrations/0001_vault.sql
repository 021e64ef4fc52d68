-- The card vault's own store (database `vault`, trust domain cardvault). Tables belong to the
-- NOLOGIN role vault_owner (this file runs as it); the login role tokenization_api gets only the
-- DML below.
--
-- card_tokens: one row per token handed out. The card number is kept only sealed (JWE, a key
-- derived from the vault's data key, never in the database); the CVC has no column at all: it is
-- never stored, not even here. The token itself fails the Luhn check by construction, which the
-- constraint repeats so no code path can ever store a PAN-shaped token.
--
-- used_request_ids: the `jti` of every accepted request until it expires, per registered client,
-- so a replayed request is refused by every instance and after a restart.

CREATE FUNCTION luhn_valid(digits text) RETURNS boolean
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
  SELECT digits ~ '^[0-9]{13,19}$' AND (
    SELECT sum(CASE WHEN (length(digits) - i) % 2 = 0 THEN x WHEN x >= 5 THEN 2 * x - 9 ELSE 2 * x END)
           % 10 = 0
    FROM generate_series(1, length(digits)) AS i,
         LATERAL (SELECT substr(digits, i, 1)::int AS x) AS digit
  )
$$;

CREATE TABLE card_tokens (
  token        text PRIMARY KEY CHECK (token ~ '^[0-9]{13,19}$' AND NOT luhn_valid(token)),
  brand        text NOT NULL CHECK (brand IN ('visa', 'mastercard', 'amex', 'discover', 'unknown')),
  last4        text NOT NULL CHECK (last4 ~ '^[0-9]{4}$' AND right(token, 4) = last4),
  exp_month    smallint NOT NULL CHECK (exp_month BETWEEN 1 AND 12),
  exp_year     smallint NOT NULL CHECK (exp_year BETWEEN 2000 AND 2099),
  -- Compact JWE (dir, A256GCM) of the card number; `kid` names the data-key version.
  sealed_pan   text NOT NULL CHECK (sealed_pan ~ '^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]*){4}$'),
  -- Workload id of the registered client that tokenized the card.
  issued_to    text NOT NULL CHECK (issued_to LIKE 'spiffe://%'),
  created_at   timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE used_request_ids (
  client       text NOT NULL,
  jti          text NOT NULL CHECK (jti <> ''),
  expires_at   timestamptz NOT NULL,
  PRIMARY KEY (client, jti)
);

GRANT SELECT, INSERT ON card_tokens TO tokenization_api;
GRANT SELECT, INSERT, UPDATE (expires_at) ON used_request_ids TO tokenization_api;
