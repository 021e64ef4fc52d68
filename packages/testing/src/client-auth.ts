/** `private_key_jwt` client authentication (RFC 7523) with a workload's key from the stack. */
import { randomUUID } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { SignJWT, importJWK } from 'jose'
import type { JWK } from 'jose'
import { SECRET_FILES } from '@mythical/stack'
import { paths } from './stack.ts'

export const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'

/** A private JWK from a workload's secrets folder (its signing key unless told otherwise). */
export function secretJwk(service: string, file: string = SECRET_FILES.signingKey): JWK {
  return JSON.parse(readFileSync(join(paths.secrets(service), file), 'utf8')) as JWK
}

/** A `private_key_jwt` client assertion signed with web's key unless told otherwise. */
export async function clientAssertion(
  clientId: string,
  audience: string,
  opts: { jwk?: JWK; jti?: string; exp?: number; iat?: number } = {},
): Promise<string> {
  const jwk = opts.jwk ?? secretJwk('web')
  const key = await importJWK(jwk, 'ES256')
  const now = Math.floor(Date.now() / 1000)
  return new SignJWT({})
    .setProtectedHeader({ alg: 'ES256', kid: jwk.kid ?? '' })
    .setIssuer(clientId)
    .setSubject(clientId)
    .setAudience(audience)
    .setJti(opts.jti ?? randomUUID())
    .setIssuedAt(opts.iat ?? now)
    .setExpirationTime(opts.exp ?? now + 60)
    .sign(key)
}

/**
 * Client authentication form fields for a browser client; the assertion's audience is the
 * issuer (FAPI 2.0).
 */
export async function clientAuth(clientId: string, issuer: string) {
  return {
    client_id: clientId,
    client_assertion_type: ASSERTION_TYPE,
    client_assertion: await clientAssertion(clientId, issuer),
  }
}
