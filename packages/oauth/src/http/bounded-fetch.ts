/**
 * A `fetch` for jose's `createRemoteJWKSet` and openid-client's `customFetch` that goes through
 * one undici dispatcher (a CA-pinned agent or the workload's mTLS agent) and refuses a response
 * body larger than a cap — counted while the body streams in, so a server that declares no
 * `content-length` (or lies about it) cannot make the process buffer an unbounded answer.
 *
 * @module
 */
import { Agent, fetch } from 'undici'
import type { Dispatcher } from 'undici'

/** Largest JWKS document accepted by default; a key set is a few KiB. */
export const DEFAULT_MAX_JWKS_BYTES = 64 * 1024
/** Largest token-endpoint or introspection answer accepted by default. */
export const DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024

/** Statuses whose response must not have a body (Fetch standard "null body status"). */
const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304])

/** A response body exceeded the cap (the request is aborted, nothing more is read). */
export class ResponseTooLargeError extends RangeError {
  readonly code = 'ERR_OAUTH_RESPONSE_TOO_LARGE'
  constructor(maxBytes: number) {
    super(`response body larger than ${maxBytes} bytes`)
    this.name = 'ResponseTooLargeError'
  }
}

/** The request options jose and openid-client pass to a custom fetch. */
export interface BoundedFetchInit {
  readonly method?: string
  readonly headers?: Headers | Record<string, string>
  readonly body?: string | URLSearchParams | Uint8Array | ArrayBuffer | null
  readonly redirect?: 'manual'
  readonly signal?: AbortSignal | null
}

/** A fetch with a response size cap. */
export type BoundedFetch = (url: string, init: BoundedFetchInit) => Promise<Response>

async function readCapped(body: ReadableStream<Uint8Array>, maxBytes: number): Promise<Buffer> {
  const chunks: Uint8Array[] = []
  let total = 0
  for await (const chunk of body) {
    total += chunk.byteLength
    if (total > maxBytes) {
      await body.cancel().catch(() => undefined)
      throw new ResponseTooLargeError(maxBytes)
    }
    chunks.push(chunk)
  }
  return Buffer.concat(chunks)
}

/**
 * @example
 *   const jwks = createRemoteJWKSet(url, { [customFetch]: boundedFetch(agent, 64 * 1024) })
 */
export function boundedFetch(dispatcher: Dispatcher, maxBytes: number): BoundedFetch {
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 1) {
    throw new TypeError('"maxBytes" must be a positive integer')
  }
  return async (url, init) => {
    const response = await fetch(url, {
      method: init.method ?? 'GET',
      headers: init.headers instanceof Headers ? Object.fromEntries(init.headers) : init.headers,
      body: init.body ?? null,
      // Never follow a redirect: the caller decided which server it trusts, not the server.
      redirect: 'manual',
      signal: init.signal ?? null,
      dispatcher,
    })
    const declared = Number(response.headers.get('content-length') ?? '0')
    if (declared > maxBytes) {
      await response.body?.cancel().catch(() => undefined)
      throw new ResponseTooLargeError(maxBytes)
    }
    const body =
      response.body && !NULL_BODY_STATUSES.has(response.status)
        ? await readCapped(response.body as ReadableStream<Uint8Array>, maxBytes)
        : null
    // Re-wrap in the global Response type the libraries expect (undici's is structurally the same).
    return new Response(body, {
      status: response.status,
      statusText: response.statusText,
      headers: [...response.headers],
    })
  }
}

/**
 * A bounded fetch that trusts exactly the given CA(s): TLS verification stays fully on (hostname
 * and chain); only the trust anchors are replaced, so a server certified by any other CA —
 * including publicly trusted ones — is refused.
 *
 * @example
 *   const fetchJwks = caPinnedFetch(retailCaPem)
 */
export function caPinnedFetch(
  caPem: string | readonly string[],
  maxBytes = DEFAULT_MAX_JWKS_BYTES,
): BoundedFetch {
  const pems = typeof caPem === 'string' ? [caPem] : [...caPem]
  if (pems.length === 0 || !pems.every((pem) => pem.includes('-----BEGIN CERTIFICATE-----'))) {
    throw new TypeError('caPinnedFetch needs PEM CA certificate(s)')
  }
  return boundedFetch(new Agent({ connect: { ca: pems } }), maxBytes)
}
