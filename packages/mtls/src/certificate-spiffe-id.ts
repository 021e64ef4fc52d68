import type { X509Certificate } from 'node:crypto'
import { WorkloadIdentityError } from './errors.ts'
import { parseSpiffeId } from './spiffe-id.ts'

/**
 * Splits Node's `subjectAltName` string (`DNS:a, URI:spiffe://…, IP Address:1.2.3.4`) into
 * entries. Since the CVE-2021-44532 fix Node JSON-quotes any value that contains a comma, quote
 * or other special character, so a crafted SAN cannot smuggle a second `URI:` entry past a
 * naive `split(', ')`.
 */
function subjectAltNames(san: string): { type: string; value: string }[] {
  const entries: { type: string; value: string }[] = []
  let i = 0
  while (i < san.length) {
    const colon = san.indexOf(':', i)
    if (colon === -1) break
    const type = san.slice(i, colon)
    let value: string
    let end: number
    if (san[colon + 1] === '"') {
      // Find the closing quote of the JSON string, skipping escaped characters.
      let j = colon + 2
      while (j < san.length && san[j] !== '"') j += san[j] === '\\' ? 2 : 1
      value = JSON.parse(san.slice(colon + 1, j + 1)) as string
      end = j + 1
    } else {
      const comma = san.indexOf(', ', colon)
      end = comma === -1 ? san.length : comma
      value = san.slice(colon + 1, end)
    }
    entries.push({ type, value })
    i = end + 2
  }
  return entries
}

/**
 * The SPIFFE id of an X509-SVID: its single URI SAN, validated with {@link parseSpiffeId}.
 * Throws `ERR_MTLS_NO_SPIFFE_ID` when there is none or more than one (an X509-SVID "MUST contain
 * exactly one URI SAN", X509-SVID spec §2).
 *
 * @example
 * ```ts
 * spiffeIdOfCertificate(new X509Certificate(pem)) // 'spiffe://retail.mythical.example/orders-api'
 * ```
 */
export function spiffeIdOfCertificate(cert: X509Certificate): string {
  const uris = subjectAltNames(cert.subjectAltName ?? '').filter((e) => e.type === 'URI')
  const [uri] = uris
  if (!uri || uris.length !== 1) {
    throw new WorkloadIdentityError(
      'ERR_MTLS_NO_SPIFFE_ID',
      `certificate must carry exactly one URI SAN, found ${uris.length}`,
    )
  }
  parseSpiffeId(uri.value)
  return uri.value
}
