/**
 * Strict SPIFFE id parsing (SPIFFE-ID spec §2):
 * - scheme `spiffe`, lower case, followed by `//`
 * - trust domain: lower-case letters, digits, `.`, `-`, `_`; no port, no user info
 * - path: one or more `/segment`s of letters, digits, `.`, `-`, `_`; no empty, `.` or `..`
 *   segment, no trailing slash, no percent-encoding, no query, no fragment
 * - at most 2048 bytes
 *
 * Every id in this stack names a workload, so a bare trust-domain id (no path) is rejected too.
 */
import { WorkloadIdentityError } from './errors.ts'

const MAX_SPIFFE_ID_LENGTH = 2048
const PREFIX = 'spiffe://'
const TRUST_DOMAIN = /^[a-z0-9._-]+$/
const SEGMENT = /^[a-zA-Z0-9._-]+$/

/** A parsed SPIFFE id: `spiffe://<trustDomain><path>`. */
export interface SpiffeId {
  trustDomain: string
  /** Starts with `/`, e.g. `/orders-api`. */
  path: string
}

/**
 * Parses a workload SPIFFE id, throwing `ERR_MTLS_INVALID_SPIFFE_ID` on anything the spec does
 * not allow. Comparing ids as strings is only safe after this check, because it rules out the
 * alternative spellings (upper-case host, `%2F`, `/./`) that would otherwise alias one workload.
 *
 * @example
 * ```ts
 * parseSpiffeId('spiffe://retail.mythical.example/orders-api')
 * // → { trustDomain: 'retail.mythical.example', path: '/orders-api' }
 * ```
 */
export function parseSpiffeId(id: string): SpiffeId {
  const invalid = (why: string) =>
    new WorkloadIdentityError('ERR_MTLS_INVALID_SPIFFE_ID', `invalid SPIFFE id: ${why}`)

  if (typeof id !== 'string') throw invalid('not a string')
  if (id.length > MAX_SPIFFE_ID_LENGTH) throw invalid(`longer than ${MAX_SPIFFE_ID_LENGTH} bytes`)
  if (!id.startsWith(PREFIX)) throw invalid('scheme must be "spiffe://"')

  const rest = id.slice(PREFIX.length)
  const slash = rest.indexOf('/')
  const trustDomain = slash === -1 ? rest : rest.slice(0, slash)
  const path = slash === -1 ? '' : rest.slice(slash)

  if (!trustDomain) throw invalid('missing trust domain')
  if (!TRUST_DOMAIN.test(trustDomain)) {
    throw invalid('trust domain may only contain a-z, 0-9, ".", "-" and "_"')
  }
  if (!path) throw invalid('missing workload path')
  for (const segment of path.slice(1).split('/')) {
    if (!segment) throw invalid('empty path segment')
    if (segment === '.' || segment === '..') throw invalid('relative path segment')
    if (!SEGMENT.test(segment)) {
      throw invalid('path segments may only contain a-z, A-Z, 0-9, ".", "-" and "_"')
    }
  }
  return { trustDomain, path }
}
