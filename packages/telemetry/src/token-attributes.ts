/**
 * The decoded claims of a verified access token that explain a hop, as span attributes: who
 * (`sub`), for whom (`aud`), what (`scope`), through whom (`act`), how strongly (`acr`, `amr`) and
 * bound to which certificate (`cnf` thumbprint). Never the token, its signature or its `jti`:
 * nothing here can be replayed.
 *
 * @module
 */
import { actorChainText, TRUST_ATTRIBUTES, type ActorChain } from '@mythical/audit'
import type { Attributes, Span } from '@opentelemetry/api'

/** The claims read here (RFC 9068, RFC 8693 `act`, RFC 8705 `cnf`). */
export interface TokenClaims {
  readonly sub?: unknown
  readonly aud?: unknown
  readonly scope?: unknown
  readonly act?: unknown
  readonly acr?: unknown
  readonly amr?: unknown
  readonly cnf?: unknown
  readonly client_id?: unknown
}

const text = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== ''
    ? value
    : Array.isArray(value) && value.every((v) => typeof v === 'string')
      ? value.join(' ')
      : undefined

const isActor = (value: unknown): value is ActorChain =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as { sub?: unknown }).sub === 'string' &&
  ((value as { act?: unknown }).act === undefined || isActor((value as { act?: unknown }).act))

/** Span attributes of a verified token's claims (see the module comment for what is left out). */
export function tokenAttributes(claims: TokenClaims): Attributes {
  const a = TRUST_ATTRIBUTES
  const cnf = (claims.cnf as { 'x5t#S256'?: unknown } | undefined)?.['x5t#S256']
  const entries: [string, string | undefined][] = [
    [a.enduser, text(claims.sub)],
    [a.audience, text(claims.aud)],
    [a.scope, text(claims.scope)],
    [a.client, text(claims.client_id)],
    [a.act, isActor(claims.act) ? actorChainText(claims.act) : undefined],
    [a.acr, text(claims.acr)],
    ['mythical.token.amr', text(claims.amr)],
    [a.cnf, text(cnf)],
  ]
  const attributes: Attributes = {}
  for (const [name, value] of entries) if (value !== undefined) attributes[name] = value
  return attributes
}

/** Records the verified token's claims on the hop's span, if it is traced. */
export function recordVerifiedToken(span: Span | undefined, claims: TokenClaims): void {
  if (span?.isRecording()) span.setAttributes(tokenAttributes(claims))
}
