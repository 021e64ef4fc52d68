/**
 * Flow 7 as the web BFF runs it, for tests (TB10): a shopper's retail token becomes a partner
 * token in two token exchanges (RFC 8693), each authenticated as client `web` with
 * `private_key_jwt`:
 *
 * 1. at the retail IdP, with a DPoP proof of the session's key: her gateway token → a short-lived
 *    JWT for the partner IdP's audience, scope `tracking:read`;
 * 2. at the partner IdP (TLS anchored in the shipping CA): that JWT → a partner access token for
 *    order-tracking-api, with her pairwise subject.
 */
import type { DpopKey } from './dpop.ts'
import { ASSERTION_TYPE, clientAssertion, clientAuth } from './client-auth.ts'
import { request } from './https.ts'

const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange'
const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token'
/** Resource indicator of order-tracking-api at the partner IdP. */
export const ORDER_TRACKING_RESOURCE = 'https://order-tracking-api.shipping.mythical.example'
export const TRACKING_READ = 'tracking:read'

/** Where the two IdPs are: the stack's public contract unless a test started its own. */
export interface FederationEndpoints {
  /** Retail IdP issuer, e.g. `https://localhost:4000`. */
  readonly retailIssuer: string
  /** Partner IdP issuer, e.g. `https://localhost:5000`. */
  readonly partnerIssuer: string
  /** Where the partner IdP listens, when it differs from its issuer. */
  readonly partnerUrl?: string
}

export const STACK_FEDERATION: FederationEndpoints = {
  retailIssuer: 'https://localhost:4000',
  partnerIssuer: 'https://localhost:5000',
}

/** A signed-in shopper as web holds her: the DPoP-bound gateway token and its key. */
export interface FederatingSession {
  readonly accessToken: string
  readonly dpop: DpopKey
}

/** Step 1: the retail IdP's JWT for the partner (throws with the IdP's answer when refused). */
export async function retailTokenForPartner(
  session: FederatingSession,
  endpoints: FederationEndpoints = STACK_FEDERATION,
  headers: Record<string, string> = {},
): Promise<string> {
  const tokenEndpoint = `${endpoints.retailIssuer}/token`
  const res = await request(tokenEndpoint, {
    headers: { ...headers, dpop: await session.dpop.proof('POST', tokenEndpoint) },
    form: {
      ...(await clientAuth('web', endpoints.retailIssuer)),
      grant_type: TOKEN_EXCHANGE,
      subject_token: session.accessToken,
      subject_token_type: ACCESS_TOKEN_TYPE,
      resource: endpoints.partnerIssuer,
      scope: TRACKING_READ,
    },
  })
  if (res.status !== 200) throw new Error(`retail exchange refused: ${res.status} ${res.text}`)
  return res.json<{ access_token: string }>().access_token
}

/** Step 2: the partner IdP's token for order-tracking-api. */
export async function partnerTokenFor(
  retailToken: string,
  endpoints: FederationEndpoints = STACK_FEDERATION,
  headers: Record<string, string> = {},
): Promise<string> {
  const res = await request(`${endpoints.partnerUrl ?? endpoints.partnerIssuer}/token`, {
    trust: 'shipping',
    headers,
    form: {
      grant_type: TOKEN_EXCHANGE,
      subject_token: retailToken,
      subject_token_type: ACCESS_TOKEN_TYPE,
      resource: ORDER_TRACKING_RESOURCE,
      scope: TRACKING_READ,
      client_assertion_type: ASSERTION_TYPE,
      client_assertion: await clientAssertion('web', endpoints.partnerIssuer),
    },
  })
  if (res.status !== 200) throw new Error(`partner exchange refused: ${res.status} ${res.text}`)
  return res.json<{ access_token: string }>().access_token
}

/**
 * Both steps: the partner token web would present at order-tracking-api.
 *
 * @example
 * ```ts
 * const katie = await signInShopper('katie')
 * const partnerToken = await federateToPartner(katie)
 * ```
 */
export async function federateToPartner(
  session: FederatingSession,
  endpoints: FederationEndpoints = STACK_FEDERATION,
): Promise<string> {
  return partnerTokenFor(await retailTokenForPartner(session, endpoints), endpoints)
}
