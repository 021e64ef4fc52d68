/**
 * Calls the gateway for a signed-in user (TB03): `Authorization: DPoP <opaque token>` plus a DPoP
 * proof signed with the session's own key (openid-client `fetchProtectedResource`), over TLS
 * trusting the retail CA only. The gateway's answer — JSON or problem+json — is relayed as is,
 * challenges included: a 401 `ZT_ERR_STEP_UP_REQUIRED` (RFC 9470) reaches the page, which starts
 * the step-up sign-in.
 */
import * as oidc from 'openid-client'
import type { GatewayCall } from './gateway-routes.ts'
import { WebProblems } from './problems.ts'
import type { SignInClient } from './sign-in.ts'

/**
 * @example
 * const callGateway = createGatewayCaller({ gatewayUrl, signIn: { web: shopper, 'web-staff': staff } })
 */
export function createGatewayCaller(options: {
  gatewayUrl: string
  signIn: Readonly<Record<string, SignInClient>>
}): GatewayCall {
  return async (credential, request) => {
    const client = options.signIn[credential.clientId]
    if (!client) throw new WebProblems.SessionRequired('Please sign in.')
    const headers = new Headers({
      accept: 'application/json',
      traceparent: `00-${request.traceId}-${request.traceId.slice(0, 16)}-01`,
    })
    let body: string | undefined
    if (request.body !== undefined) {
      headers.set('content-type', 'application/json')
      body = JSON.stringify(request.body)
    }
    if (request.idempotencyKey) headers.set('idempotency-key', request.idempotencyKey)
    let response: Response
    try {
      response = await oidc.fetchProtectedResource(
        await client.configuration(),
        credential.accessToken,
        new URL(request.path, options.gatewayUrl),
        request.method,
        body,
        headers,
        { DPoP: await client.dpopOf(credential) },
      )
    } catch (cause) {
      // openid-client throws for a WWW-Authenticate challenge; its problem body says which one.
      if (!(cause instanceof oidc.WWWAuthenticateChallengeError)) {
        throw new WebProblems.UpstreamUnavailable('The shop is not reachable right now.')
      }
      response = cause.response
    }
    const contentType = response.headers.get('content-type')?.split(';')[0] ?? 'application/json'
    const text = await response.text()
    let parsed: unknown
    try {
      parsed = text ? (JSON.parse(text) as unknown) : {}
    } catch {
      throw new WebProblems.UpstreamUnavailable('The shop answered unexpectedly.')
    }
    return { status: response.status, body: parsed, contentType }
  }
}
