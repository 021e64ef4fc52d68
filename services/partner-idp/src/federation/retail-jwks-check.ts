/**
 * Readiness of the federation: the partner IdP can only exchange tokens while the retail issuer's
 * JWKS is reachable over TLS anchored in the retail CA — the same pinned path the verifier uses.
 */
import { caPinnedFetch } from './ca-pinned-fetch.ts'
import { JwksUnusable } from './errors.ts'
import { JWKS_TIMEOUT_MS } from './trusted-issuers.ts'

/**
 * A readiness check that fetches the JWKS and resolves when it is a non-empty key set.
 *
 * @example
 *   withOidcProbes(handler, { readiness: { 'retail-jwks': jwksReachable(jwksUri, caPem) } })
 */
export function jwksReachable(jwksUri: string, caPem: string): () => Promise<void> {
  const pinnedFetch = caPinnedFetch(caPem)
  return async () => {
    const response = await pinnedFetch(jwksUri, {
      method: 'GET',
      redirect: 'manual',
      signal: AbortSignal.timeout(JWKS_TIMEOUT_MS),
      headers: new Headers({ accept: 'application/jwk-set+json, application/json' }),
    })
    if (response.status !== 200) throw new JwksUnusable(`JWKS answered ${response.status}`)
    const body = (await response.json()) as { keys?: unknown }
    if (!Array.isArray(body.keys) || body.keys.length === 0) {
      throw new JwksUnusable('JWKS holds no keys')
    }
  }
}
