-- Server-side BFF sessions: the browser holds only the random id; the row holds its SHA-256,
-- and the tokens and DPoP key sealed (JWE) with a key derived from the web's data key.
CREATE TABLE web_sessions (
  id_hash bytea PRIMARY KEY,
  kind text NOT NULL CHECK (kind IN ('pending', 'active')),
  sealed text NOT NULL,
  expires_at timestamptz NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX web_sessions_expires_at ON web_sessions (expires_at);
GRANT SELECT, INSERT, UPDATE, DELETE ON web_sessions TO web;
