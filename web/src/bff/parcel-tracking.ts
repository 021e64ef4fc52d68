/**
 * Parcel tracking at the shipping partner (flow 7, TB10). The partner never sees a retail token
 * at its API, and the retail IdP never hands out a token the partner's API would accept:
 *
 * 1. retail IdP: Katie's opaque session token is exchanged (RFC 8693, client `web`,
 *    `private_key_jwt` + a DPoP proof of the session's key) for a short-lived JWT whose audience
 *    is the partner's issuer, scope `tracking:read` only;
 * 2. partner IdP: that JWT is exchanged (client `web`, `private_key_jwt` against the JWKS the
 *    retailer published) for a partner token for order-tracking-api with a pairwise subject;
 * 3. order-tracking-api: `GET /parcels?order=<id>` with the partner token, over TLS anchored in
 *    the shipping CA only.
 *
 * Every partner answer is relayed as data (`{ parcels }` or its problem); the tokens never leave
 * this module.
 */
import * as oidc from 'openid-client'
import type { Dispatcher } from 'undici'
import { fetch } from 'undici'
import { TOKEN_EXCHANGE_GRANT, TOKEN_TYPE, type AuthorizationServerClient } from '@mythical/oauth'
import type { GatewayAnswer } from './gateway-routes.ts'
import type { SignInClient, SignedInSession } from './sign-in.ts'

const TRACKING_SCOPE = 'tracking:read'

/** A step of the tracking flow that failed, with the audit reason the BFF records for it. */
export class TrackingStepFailed extends Error {
  readonly reason: 'tracking.retail_exchange_refused' | 'tracking.partner_exchange_refused'
  constructor(reason: TrackingStepFailed['reason'], options?: ErrorOptions) {
    super(reason, options)
    this.name = 'TrackingStepFailed'
    this.reason = reason
  }
}

export type ParcelTracker = (
  session: SignedInSession,
  orderId: string,
  traceId: string,
) => Promise<GatewayAnswer>

/**
 * @example
 * const track = createParcelTracker({ retail: signIn.web, partner, partnerIssuer, trackingResource, trackingUrl, trackingDispatcher })
 * const answer = await track(session, orderId, traceId) // { status: 200, body: { parcels: [...] } }
 */
export function createParcelTracker(options: {
  /** The shopper app's client at the retail IdP (holds the session's DPoP keys). */
  retail: SignInClient
  /** Client `web` at the partner IdP. */
  partner: AuthorizationServerClient
  /** The partner IdP's issuer: the audience of the retail JWT. */
  partnerIssuer: string
  /** Resource indicator of order-tracking-api at the partner IdP. */
  trackingResource: string
  /** Where order-tracking-api listens. */
  trackingUrl: string
  /** TLS trusting the shipping CA only. */
  trackingDispatcher: Dispatcher
}): ParcelTracker {
  async function retailJwtFor(session: SignedInSession): Promise<string> {
    try {
      const tokens = await oidc.genericGrantRequest(
        await options.retail.configuration(),
        TOKEN_EXCHANGE_GRANT,
        {
          subject_token: session.accessToken,
          subject_token_type: TOKEN_TYPE.accessToken,
          resource: options.partnerIssuer,
          scope: TRACKING_SCOPE,
        },
        { DPoP: await options.retail.dpopOf(session) },
      )
      return tokens.access_token
    } catch (cause) {
      throw new TrackingStepFailed('tracking.retail_exchange_refused', { cause })
    }
  }

  async function partnerTokenFor(retailJwt: string): Promise<string> {
    try {
      const tokens = await oidc.genericGrantRequest(
        await options.partner.configuration(),
        TOKEN_EXCHANGE_GRANT,
        {
          subject_token: retailJwt,
          subject_token_type: TOKEN_TYPE.accessToken,
          resource: options.trackingResource,
          scope: TRACKING_SCOPE,
        },
      )
      return tokens.access_token
    } catch (cause) {
      throw new TrackingStepFailed('tracking.partner_exchange_refused', { cause })
    }
  }

  return async (session, orderId, traceId) => {
    const partnerToken = await partnerTokenFor(await retailJwtFor(session))
    const url = new URL('/parcels', options.trackingUrl)
    url.searchParams.set('order', orderId)
    const response = await fetch(url, {
      headers: {
        accept: 'application/json',
        authorization: `Bearer ${partnerToken}`,
        traceparent: `00-${traceId}-${traceId.slice(0, 16)}-01`,
      },
      dispatcher: options.trackingDispatcher,
    })
    const text = await response.text()
    let body: unknown
    try {
      body = text ? (JSON.parse(text) as unknown) : {}
    } catch {
      body = {}
    }
    const contentType = response.headers.get('content-type')?.split(';')[0] ?? 'application/json'
    return { status: response.status, body, contentType }
  }
}
