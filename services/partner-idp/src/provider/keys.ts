/**
 * Key material of the partner IdP, read from its own secrets folder only.
 */
import { readJsonSecret } from '@mythical/config'
import type { JWK } from 'jose'
import { z } from 'zod'

/** The signing key file inside `SECRETS_DIR` (infra `SECRET_FILES.signingKey`). */
export const SIGNING_KEY_FILE = 'signing-key.jwk.json'

// A private P-256 key with a `kid`, so verifiers can pick the right key during rotation.
const SigningJwk = z.looseObject({
  kty: z.literal('EC'),
  crv: z.literal('P-256'),
  x: z.string().min(1),
  y: z.string().min(1),
  d: z.string().min(1),
  kid: z.string().min(1),
  alg: z.literal('ES256').optional(),
})

/**
 * Reads and checks the private ES256 signing JWK.
 *
 * @example
 *   const jwk = loadSigningKey(config.secretsDir)
 */
export function loadSigningKey(secretsDir: string): JWK {
  const jwk = readJsonSecret(secretsDir, SIGNING_KEY_FILE, SigningJwk)
  return { ...jwk, alg: 'ES256', use: 'sig' }
}
