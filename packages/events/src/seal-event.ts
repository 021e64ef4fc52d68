import { GeneralEncrypt, SignJWT } from 'jose'
import type { GeneralJWE } from 'jose'
import { EVENT_CLAIMS, EVENT_JWT_TYPE } from './event.ts'
import type { BusinessEvent } from './event.ts'
import type { NamedKey } from './keys.ts'
import {
  AGREED_KEY_ALGORITHM,
  createKekCache,
  epochSeconds,
  kekId,
  keyPeriodOf,
} from './agreed-keys.ts'

/** Content encryption of every envelope. */
export const CONTENT_ENCRYPTION = 'A256GCM'

/** One audience: who may open its envelope and which part of the event it may see. */
export interface EventAudience {
  /** Name signed into the projection as `aud`, e.g. `retail` or `shipping-partner`. */
  readonly name: string
  /** Public ECDH keys of every subscriber of this audience (one JWE recipient each). */
  readonly recipients: readonly NamedKey[]
  /** Data minimization: the part of the event data this audience needs, nothing more. */
  readonly project: (event: BusinessEvent) => Readonly<Record<string, unknown>>
}

export interface EventSealerOptions {
  /** Workload id of the publisher, signed as `iss`. */
  readonly issuer: string
  readonly signingKey: NamedKey
  /** The publisher's private ECDH key: with each recipient's public key it agrees their KEK. */
  readonly agreementKey: NamedKey
  readonly audiences: readonly EventAudience[]
  /** Seconds since the epoch; tests move it across a key period. Default: the system clock. */
  readonly now?: () => number
}

/** The message body on the wire: one envelope per audience, nothing in clear. */
export interface SealedEventBody {
  readonly envelopes: GeneralJWE[]
}

/**
 * Builds the publisher's envelope function. For each audience: the audience's projection is signed
 * (ES256 JWT by the publisher's key, `kid` in the header, resolvable from its published JWKS),
 * then encrypted once (JWE General JSON, A256GCM) with one recipient per subscriber key: the
 * content key wrapped (A256KW) under the KEK agreed with that subscriber for the current key
 * period, the recipient's `kid` naming that KEK (see `agreed-keys.ts`). One message carries every
 * envelope: a subscriber opens only those naming its key, so the partner never holds the retail
 * projection's key.
 *
 * @example
 * ```ts
 * const seal = createEventSealer({ issuer, signingKey, agreementKey, audiences })
 * channel.publish('orders', 'order.placed', await seal(event), { messageId: event.id })
 * ```
 */
export function createEventSealer(
  options: EventSealerOptions,
): (event: BusinessEvent) => Promise<Buffer> {
  const { issuer, signingKey, agreementKey, audiences } = options
  const now = options.now ?? epochSeconds
  if (audiences.length === 0) throw new TypeError('"audiences" must name at least one audience')
  // Every key id must fit in a KEK id: refuse a bad one at start-up, not on every message.
  for (const recipient of audiences.flatMap((a) => a.recipients)) {
    kekId({ period: keyPeriodOf(0), publisherKid: agreementKey.kid, subscriberKid: recipient.kid })
  }
  const keks = createKekCache('wrapKey')
  const encoder = new TextEncoder()
  return async (event) => {
    const issuedAt = now()
    const period = keyPeriodOf(issuedAt)
    keks.retain(new Set([period]))
    const envelopes = await Promise.all(
      audiences.map(async (audience) => {
        const claims: Record<string, unknown> = {
          [EVENT_CLAIMS.type]: event.type,
          [EVENT_CLAIMS.data]: audience.project(event),
        }
        if (event.traceparent) claims[EVENT_CLAIMS.traceparent] = event.traceparent
        const [jws, recipientKeks] = await Promise.all([
          new SignJWT(claims)
            .setProtectedHeader({ alg: signingKey.alg, kid: signingKey.kid, typ: EVENT_JWT_TYPE })
            .setIssuer(issuer)
            .setAudience(audience.name)
            .setJti(event.id)
            .setIssuedAt(issuedAt)
            .sign(signingKey.key),
          Promise.all(
            audience.recipients.map(async (recipient) => {
              const name = { period, publisherKid: agreementKey.kid, subscriberKid: recipient.kid }
              return { kid: kekId(name), kek: await keks.get(agreementKey, recipient, name) }
            }),
          ),
        ])
        const jwe = new GeneralEncrypt(encoder.encode(jws)).setProtectedHeader({
          enc: CONTENT_ENCRYPTION,
          cty: 'JWT',
        })
        for (const { kid, kek } of recipientKeks) {
          jwe.addRecipient(kek).setUnprotectedHeader({ alg: AGREED_KEY_ALGORITHM, kid })
        }
        return jwe.encrypt()
      }),
    )
    const body: SealedEventBody = { envelopes }
    return Buffer.from(JSON.stringify(body))
  }
}
