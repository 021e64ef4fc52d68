/**
 * A `fetch` for jose's `createRemoteJWKSet` that trusts exactly one CA: the federated issuer's
 * trust-domain CA. TLS verification stays fully on (hostname and chain); only the set of trust
 * anchors is replaced, so a JWKS served by any other certificate — including publicly trusted
 * ones — is refused and the token with it (fail closed).
 */
import { Agent, fetch } from 'undici'
import type { FetchImplementation } from 'jose'

/** Largest JWKS document accepted; a key set is a few KiB, anything bigger is refused. */
export const MAX_JWKS_BYTES = 64 * 1024

/**
 * @example
 *   const jwks = createRemoteJWKSet(new URL(uri), { [customFetch]: caPinnedFetch(caPem) })
 */
export function caPinnedFetch(caPem: string): FetchImplementation {
  if (!caPem.includes('-----BEGIN CERTIFICATE-----')) {
    throw new TypeError('caPinnedFetch needs a PEM CA certificate')
  }
  const dispatcher = new Agent({ connect: { ca: caPem } })
  return async (url, options) => {
    const response = await fetch(url, {
      method: options.method,
      redirect: options.redirect,
      signal: options.signal,
      headers: Object.fromEntries(options.headers),
      dispatcher,
    })
    const declared = Number(response.headers.get('content-length') ?? '0')
    if (declared > MAX_JWKS_BYTES) {
      await response.body?.cancel()
      throw new RangeError(`JWKS response larger than ${MAX_JWKS_BYTES} bytes`)
    }
    const body = await response.arrayBuffer()
    if (body.byteLength > MAX_JWKS_BYTES) {
      throw new RangeError(`JWKS response larger than ${MAX_JWKS_BYTES} bytes`)
    }
    // Re-wrap in the global Response type that jose expects (undici's is structurally identical).
    return new Response(body, { status: response.status, headers: response.headers })
  }
}
