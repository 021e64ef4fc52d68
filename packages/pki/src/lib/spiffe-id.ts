/**
 * SPIFFE ID syntax (SPIFFE-ID spec §2): `spiffe://<trust-domain>/<path>`, the trust domain made of
 * lowercase letters, digits, `.`, `-` and `_`, each path segment of letters, digits, `.`, `-` and
 * `_` and neither `.` nor `..`. No query, fragment, port or user info.
 */
const SPIFFE_ID = /^spiffe:\/\/([a-z0-9._-]+)((?:\/[A-Za-z0-9._-]+)+)$/
const MAX_LENGTH = 2048

/** Splits a SPIFFE ID into trust domain and path segments, or throws a `TypeError`. */
export function parseSpiffeId(spiffeId: string): { trustDomain: string; segments: string[] } {
  const match = typeof spiffeId === 'string' ? SPIFFE_ID.exec(spiffeId) : null
  const trustDomain = match?.[1]
  const segments = match?.[2]?.slice(1).split('/') ?? []
  if (
    !trustDomain ||
    spiffeId.length > MAX_LENGTH ||
    segments.some((segment) => segment === '.' || segment === '..')
  ) {
    throw new TypeError('"spiffeId" option must be a SPIFFE ID: spiffe://<trust-domain>/<path>')
  }
  return { trustDomain, segments }
}
