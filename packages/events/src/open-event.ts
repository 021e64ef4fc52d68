import { errors, flattenedDecrypt, jwtVerify } from 'jose'
import type { CryptoKey, FlattenedJWE, GeneralJWE, JWTVerifyGetKey } from 'jose'
import {
  AGREED_KEY_ALGORITHM,
  createKekCache,
  epochSeconds,
  KEY_PERIOD_SKEW_SECONDS,
  keyPeriodsBetween,
  parseKekId,
} from './agreed-keys.ts'
import type { KekName } from './agreed-keys.ts'
import { EventRejected } from './errors.ts'
import type { EventRejectionReason } from './errors.ts'
import { EVENT_CLAIMS, EVENT_JWT_TYPE } from './event.ts'
import type { VerifiedEvent } from './event.ts'
import type { NamedKey } from './keys.ts'
import { CONTENT_ENCRYPTION } from './seal-event.ts'

/**
 * Default freshness window. Longer than any outage a queue should ride out (a stopped consumer
 * still gets its backlog), and the inbox keeps every processed id at least this long, so a copy
 * replayed later than this is refused as stale and one replayed sooner hits the inbox.
 */
export const DEFAULT_MAX_EVENT_AGE_SECONDS = 24 * 60 * 60

export interface EventOpenerOptions {
  /** Workload id the events must be signed by (`iss`). */
  readonly issuer: string
  /** This subscriber's audience (`aud` of the projection it may open). */
  readonly audience: string
  /** This subscriber's private ECDH keys (current, and the previous one during a rotation). */
  readonly decryptionKeys: readonly NamedKey[]
  /**
   * The publisher's public ECDH keys (the `enc` keys of its JWKS, old and new during a rotation):
   * with one of ours, each agrees a KEK per key period.
   */
  readonly publisherAgreementKeys: readonly NamedKey[]
  /** The publisher's JWKS (`loadVerificationKeys`). */
  readonly verificationKeys: JWTVerifyGetKey
  /** Event types this subscriber handles; anything else is refused. */
  readonly types: readonly string[]
  readonly maxAgeSeconds?: number
  /** Signature algorithms accepted. Default: ES256 only. */
  readonly algorithms?: readonly string[]
  /** Seconds since the epoch; tests move it across a key period. Default: the system clock. */
  readonly now?: () => number
}

const reject = (reason: EventRejectionReason, cause?: unknown): never => {
  throw new EventRejected(reason, { cause })
}

function envelopesOf(body: Buffer): GeneralJWE[] {
  let parsed: unknown
  try {
    parsed = JSON.parse(body.toString('utf8'))
  } catch (cause) {
    return reject('event.malformed', cause)
  }
  const envelopes = (parsed as { envelopes?: unknown } | null)?.envelopes
  if (!Array.isArray(envelopes)) return reject('event.unencrypted')
  return envelopes as GeneralJWE[]
}

/** How the recipient addressed to us gets its content key unwrapped. */
type Unwrap =
  | { readonly via: 'agreed'; readonly name: KekName }
  | { readonly via: 'ephemeral'; readonly key: NamedKey }

interface KeyRing {
  readonly own: readonly NamedKey[]
  readonly publisher: readonly NamedKey[]
}

/**
 * How to unwrap `kid` if it names one of our keys: a KEK id naming one of our keys and one of
 * the publisher's, or (messages sealed with per-message ephemeral keys, e.g. before the switch to
 * agreed KEKs) our key's own `kid`.
 */
function unwrapFor(kid: unknown, keys: KeyRing): Unwrap | undefined {
  const name = parseKekId(kid)
  if (name) {
    const ours = keys.own.some((k) => k.kid === name.subscriberKid)
    const theirs = keys.publisher.some((k) => k.kid === name.publisherKid)
    return ours && theirs ? { via: 'agreed', name } : undefined
  }
  const key = keys.own.find((k) => k.kid === kid)
  return key && { via: 'ephemeral', key }
}

/**
 * The envelope and recipient addressed to one of our keys, as a flattened JWE. Picking by `kid`
 * matters: jose's `generalDecrypt` would try every recipient (a key unwrap or agreement each).
 */
function addressedToUs(
  envelopes: GeneralJWE[],
  keys: KeyRing,
): { jwe: FlattenedJWE; unwrap: Unwrap } {
  for (const envelope of envelopes) {
    if (!Array.isArray(envelope?.recipients)) continue
    for (const recipient of envelope.recipients) {
      const unwrap = unwrapFor(recipient?.header?.kid, keys)
      if (!unwrap) continue
      const jwe: FlattenedJWE = {
        protected: envelope.protected,
        unprotected: envelope.unprotected,
        iv: envelope.iv,
        ciphertext: envelope.ciphertext,
        tag: envelope.tag,
        aad: envelope.aad,
        header: recipient.header,
        encrypted_key: recipient.encrypted_key,
      }
      return { jwe, unwrap }
    }
  }
  return reject('event.not_a_recipient')
}

function signatureReason(cause: unknown): EventRejectionReason {
  if (cause instanceof errors.JWTClaimValidationFailed) {
    if (cause.claim === 'iss') return 'event.wrong_issuer'
    if (cause.claim === 'aud') return 'event.wrong_audience'
    if (cause.claim === 'iat') return 'event.stale'
    return 'event.malformed'
  }
  if (cause instanceof errors.JWTExpired) return 'event.stale'
  if (cause instanceof errors.JWKSNoMatchingKey) return 'event.unknown_key'
  if (cause instanceof errors.JWSSignatureVerificationFailed) return 'event.bad_signature'
  if (cause instanceof errors.JOSEAlgNotAllowed) return 'event.bad_signature'
  // Not a JWS at all (plain JSON encrypted to us, `alg: none`): nobody vouches for it.
  if (cause instanceof errors.JWSInvalid || cause instanceof errors.JWTInvalid) {
    return 'event.unsigned'
  }
  return 'event.malformed'
}

/**
 * Builds a subscriber's open function: finds the one recipient addressed to its key by `kid`
 * (normally the KEK it agreed with the publisher for the message's key period), decrypts it,
 * verifies the publisher's signature (`kid` from the publisher's JWKS), `iss`, `aud`, `typ`, the
 * age of `iat` (also refusing one from the future), that the AMQP message id is the signed `jti`,
 * and the event type. Any failure is an {@link EventRejected} with its reason. Replay of a fresh
 * message is the inbox's job (same `jti`, one effect).
 *
 * @example
 * ```ts
 * const open = createEventOpener({ issuer, audience: 'retail', decryptionKeys, publisherAgreementKeys, verificationKeys, types: ['order.placed'] })
 * const event = await open(msg.content, msg.properties.messageId)
 * ```
 */
export function createEventOpener(
  options: EventOpenerOptions,
): (body: Buffer, messageId: string | undefined) => Promise<VerifiedEvent> {
  const { issuer, audience, decryptionKeys, publisherAgreementKeys, verificationKeys, types } =
    options
  const maxAgeSeconds = options.maxAgeSeconds ?? DEFAULT_MAX_EVENT_AGE_SECONDS
  const algorithms = [...(options.algorithms ?? ['ES256'])]
  const now = options.now ?? epochSeconds
  if (decryptionKeys.length === 0) throw new TypeError('"decryptionKeys" must not be empty')
  if (publisherAgreementKeys.length === 0) {
    throw new TypeError('"publisherAgreementKeys" must not be empty')
  }
  const keys: KeyRing = { own: decryptionKeys, publisher: publisherAgreementKeys }
  const keks = createKekCache('unwrapKey')
  const decoder = new TextDecoder()

  /**
   * The key that unwraps our recipient. A KEK is agreed only for a period a fresh message can
   * have been sealed in (its maximum age back, the clock skew ahead), so a forged `kid` can
   * neither make us agree keys for arbitrary periods nor open a message older than its window.
   */
  async function unwrappingKey(unwrap: Unwrap): Promise<{ key: CryptoKey; alg: string }> {
    if (unwrap.via === 'ephemeral') return { key: unwrap.key.key, alg: unwrap.key.alg }
    const t = now()
    const periods = keyPeriodsBetween(
      t - maxAgeSeconds - KEY_PERIOD_SKEW_SECONDS,
      t + KEY_PERIOD_SKEW_SECONDS,
    )
    keks.retain(periods)
    if (!periods.has(unwrap.name.period)) return reject('event.stale')
    const own = decryptionKeys.find((k) => k.kid === unwrap.name.subscriberKid) as NamedKey
    const peer = publisherAgreementKeys.find((k) => k.kid === unwrap.name.publisherKid) as NamedKey
    return { key: await keks.get(own, peer, unwrap.name), alg: AGREED_KEY_ALGORITHM }
  }

  return async (body, messageId) => {
    const { jwe, unwrap } = addressedToUs(envelopesOf(body), keys)
    const { key, alg } = await unwrappingKey(unwrap)
    let jws: string
    try {
      const { plaintext } = await flattenedDecrypt(jwe, key, {
        keyManagementAlgorithms: [alg],
        contentEncryptionAlgorithms: [CONTENT_ENCRYPTION],
      })
      jws = decoder.decode(plaintext)
    } catch (cause) {
      return reject('event.undecryptable', cause)
    }
    let payload: Record<string, unknown>
    try {
      ;({ payload } = await jwtVerify(jws, verificationKeys, {
        issuer,
        audience,
        typ: EVENT_JWT_TYPE,
        algorithms,
        maxTokenAge: maxAgeSeconds,
        currentDate: new Date(now() * 1000),
        requiredClaims: ['jti', 'iat'],
      }))
    } catch (cause) {
      return reject(signatureReason(cause), cause)
    }
    if (messageId === undefined || messageId !== payload.jti) {
      return reject('event.message_id_mismatch')
    }
    const type = payload[EVENT_CLAIMS.type]
    if (typeof type !== 'string' || !types.includes(type)) return reject('event.unknown_type')
    const data = payload[EVENT_CLAIMS.data]
    if (typeof data !== 'object' || data === null || Array.isArray(data)) {
      return reject('event.malformed')
    }
    const traceparent = payload[EVENT_CLAIMS.traceparent]
    return {
      id: payload.jti as string,
      type,
      issuer,
      audience,
      issuedAt: payload.iat as number,
      ...(typeof traceparent === 'string' ? { traceparent } : {}),
      data: data as Record<string, unknown>,
    }
  }
}
