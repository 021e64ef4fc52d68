/**
 * The one shape of an audit record. Every service writes the same names, so the trust trace can
 * line up the decisions of one request across the IdPs, the gateway and the APIs without a
 * per-service mapping: a closed set of typed fields, no open index signature.
 *
 * @module
 */
import { isTrustBoundaryId } from '@mythical/stack'
import type { TrustBoundaryId } from '@mythical/stack'

/** The outcome of a trust decision. */
export type Decision = 'allow' | 'deny'

/** RFC 8693 §4.1 `act` claim: the current actor, and the one before it nested inside. */
export interface ActorChain {
  readonly sub: string
  readonly act?: ActorChain
}

/** One trust decision: who asked, across which boundary, what was decided and why. */
export interface AuditRecord {
  /** W3C trace id of the request or message. */
  traceId: string
  /** The SCENARIO.md trust boundary the decision guards. */
  boundary?: TrustBoundaryId
  /** Workload id of the peer, e.g. `spiffe://retail.mythical.example/gateway`. */
  caller?: string
  /** The end user (`sub`) the call is made for, if any. */
  subject?: string
  /** Issuer of `subject` when it is not the deciding service's own (federation). */
  subjectIssuer?: string
  /** OAuth client id of the requester (as authenticated, or as claimed when authentication failed). */
  client?: string
  /** Audience (resource indicator) of the token asked for or presented. */
  audience?: string
  /** The delegation chain of the token (RFC 8693 `act`). */
  act?: ActorChain
  /** Space-separated scopes granted or presented. */
  scope?: string
  /** `METHOD /route` the decision was made for. */
  route?: string
  /** Edge only: the network address of the client (gateway, public IdP endpoints). */
  address?: string
  /** Edge only: the API (per-API policy set) the request was for. */
  api?: string
  /** The policy or check that decided, e.g. `rate_limit` (gateway pipelines). */
  policy?: string
  /** HTTP status answered, when the decision produced the answer. */
  status?: number
  /** Names of spoofable identity headers removed from the request. */
  strippedHeaders?: readonly string[]
  decision: Decision
  /** Stable, dotted lower-case reason code, e.g. `mtls.peer_not_allowed`. */
  reason: string
  /** The OAuth 2.0 `error` code answered (RFC 6749 §5.2), e.g. `invalid_grant`. */
  oauthError?: string
  /** Identifier (`jti`) of the token decided on — never the token itself. */
  tokenId?: string
  /** Identifier of the authorization grant decided on (e.g. a revoked grant). */
  grantId?: string
}

/** A record as written: the logger adds the service, the time and the `audit` marker. */
export interface WrittenAuditRecord extends AuditRecord {
  service: string
  time: string
  audit: true
  /** The original `reason` when it was not a dotted lower-case code (see the audit logger). */
  invalidReason?: string
}

type FieldType = 'string' | 'number' | 'object' | 'strings'

/** The members a record may carry: anything else is a programming error. */
const FIELD_TYPES: Readonly<Record<keyof AuditRecord, FieldType>> = {
  traceId: 'string',
  boundary: 'string',
  caller: 'string',
  subject: 'string',
  subjectIssuer: 'string',
  client: 'string',
  audience: 'string',
  act: 'object',
  scope: 'string',
  route: 'string',
  address: 'string',
  api: 'string',
  policy: 'string',
  status: 'number',
  strippedHeaders: 'strings',
  decision: 'string',
  reason: 'string',
  oauthError: 'string',
  tokenId: 'string',
  grantId: 'string',
}

const DESCRIPTION: Readonly<Record<FieldType, string>> = {
  string: 'a string',
  number: 'a number',
  object: 'an object',
  strings: 'an array of strings',
}

function hasType(value: unknown, expected: FieldType): boolean {
  if (expected === 'strings') {
    return Array.isArray(value) && value.every((item) => typeof item === 'string')
  }
  if (expected === 'object')
    return typeof value === 'object' && value !== null && !Array.isArray(value)
  return typeof value === expected
}

/**
 * Type errors in a record are programming errors and throw (a `reason` that is not a dotted code
 * does not: see the audit logger). `undefined` members are allowed and dropped by the writer.
 */
export function assertAuditRecord(record: AuditRecord): void {
  if (record.decision !== 'allow' && record.decision !== 'deny') {
    throw new TypeError('"decision" must be "allow" or "deny"')
  }
  if (typeof record.reason !== 'string' || record.reason === '') {
    throw new TypeError('"reason" must be a non-empty string')
  }
  if (typeof record.traceId !== 'string' || record.traceId === '') {
    throw new TypeError('"traceId" must be a non-empty string')
  }
  for (const [key, value] of Object.entries(record)) {
    if (!Object.hasOwn(FIELD_TYPES, key)) {
      throw new TypeError(`"${key}" is not a field of an audit record`)
    }
    const expected = FIELD_TYPES[key as keyof AuditRecord]
    if (value !== undefined && !hasType(value, expected)) {
      throw new TypeError(`"${key}" must be ${DESCRIPTION[expected]}`)
    }
  }
  if (record.boundary !== undefined && !isTrustBoundaryId(record.boundary)) {
    throw new TypeError('"boundary" must be a trust boundary id TB01–TB14')
  }
}
