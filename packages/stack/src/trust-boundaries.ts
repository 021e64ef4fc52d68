/**
 * The trust boundaries of SCENARIO.md, TB01–TB14, as data: audit records, tests and docs name a
 * boundary by its typed id instead of a string literal, so a typo is a type error and a renamed
 * boundary is renamed everywhere.
 */

export interface TrustBoundary {
  readonly id: string
  /** The two sides, as SCENARIO.md names them. */
  readonly name: string
  /** What a legitimate caller presents to cross it. */
  readonly accepts: string
}

export const TRUST_BOUNDARIES = {
  TB01: { id: 'TB01', name: 'browser ↔ web BFF', accepts: 'session cookie' },
  TB02: { id: 'TB02', name: 'web ↔ idp', accepts: 'code + PKCE + PAR, private_key_jwt' },
  TB03: { id: 'TB03', name: 'web ↔ gateway', accepts: 'opaque access token' },
  TB04: { id: 'TB04', name: 'gateway ↔ experience APIs', accepts: 'mTLS + phantom JWT' },
  TB05: {
    id: 'TB05',
    name: 'experience ↔ process',
    accepts: 'mTLS + exchanged token (act chain)',
  },
  TB06: {
    id: 'TB06',
    name: 'process ↔ system APIs',
    accepts: 'mTLS + exchanged / client-credentials token',
  },
  TB07: {
    id: 'TB07',
    name: 'process ↔ tokenization (3rd party)',
    accepts: 'mTLS (vault CA) + JWS+JWE body',
  },
  TB08: {
    id: 'TB08',
    name: 'publisher → broker',
    accepts: 'TLS + service credentials, signed+encrypted message',
  },
  TB09: {
    id: 'TB09',
    name: 'broker → subscribers',
    accepts: 'own queue, verified + decrypted message',
  },
  TB10: {
    id: 'TB10',
    name: 'retail ↔ shipping partner (federation)',
    accepts: 'partner token from exchange',
  },
  TB11: { id: 'TB11', name: 'staff ↔ shop-assistant-api', accepts: 'MFA token with role' },
  TB12: { id: 'TB12', name: 'system APIs ↔ PostgreSQL', accepts: 'own role over TLS + RLS' },
  TB13: { id: 'TB13', name: 'secrets', accepts: 'each service reads only its own keys' },
  TB14: { id: 'TB14', name: 'edge policies', accepts: 'within limits' },
} as const satisfies Record<string, TrustBoundary>

/** `'TB01'` … `'TB14'`. */
export type TrustBoundaryId = keyof typeof TRUST_BOUNDARIES

export const TRUST_BOUNDARY_IDS = Object.keys(TRUST_BOUNDARIES) as readonly TrustBoundaryId[]

/**
 * Narrow a string read from outside (an audit line, a test table) to a boundary id.
 *
 * @example isTrustBoundaryId('TB03') // true; isTrustBoundaryId('TB15') // false
 */
export const isTrustBoundaryId = (value: string): value is TrustBoundaryId =>
  Object.hasOwn(TRUST_BOUNDARIES, value)
