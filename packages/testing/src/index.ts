/**
 * `@mythical/testing`: what unit and integration tests, the bench (bench/) and the e2e suites
 * (e2e/) share to act as real clients of the stack — HTTPS and mTLS requests trusting the stack's
 * CAs, PKCE, DPoP keys and proofs, `private_key_jwt` assertions, PAR, a browser walking the IdP's
 * login/TOTP/consent pages, whole sign-in flows, TOTP codes, trace contexts and audit capture and
 * assertions, services (the IdP, a slice of the API chain) started as their own processes for
 * another service's tests, and the sign-in and per-hop token exchange a chain test plays.
 * Framework-free; it never imports a service's source.
 *
 * @example
 * ```ts
 * import { redeemCode, requireStack, signIn } from '@mythical/testing'
 * requireStack()
 * const signedIn = await signIn(issuer, { username: 'katie', password: 'katie-loves-shopping' })
 * const tokens = await redeemCode(issuer, signedIn)
 * ```
 */
export { paths, requireStack } from './stack.ts'
export { request, workloadCert, CookieJar, type Response, type RequestOptions } from './https.ts'
export { freePort } from './free-port.ts'
export { pkce } from './pkce.ts'
export { dpopKey, type DpopKey } from './dpop.ts'
export { ASSERTION_TYPE, secretJwk, clientAssertion, clientAuth } from './client-auth.ts'
export {
  WEB_ORIGIN,
  REDIRECT,
  authorizationParams,
  pushAuthorizationRequest,
  type BrowserClient,
} from './authorization.ts'
export { Browser, csrfOf, callbackParams } from './browser.ts'
export { totpNow } from './totp.ts'
export { signIn, redeemCode, type SignInOptions, type TokenSet } from './flows.ts'
export {
  startServiceProcess,
  startIdpProcess,
  type ServiceProcess,
  type IdpProcess,
  type ReadinessClientCertificate,
} from './service-process.ts'
export {
  exchangeFor,
  phantomFor,
  signInAs,
  startChainService,
  startRetailChain,
  type ChainIdp,
  type ChainService,
  type RetailChain,
} from './retail-chain.ts'
export { newTrace, type Trace } from './trace.ts'
export {
  federateToPartner,
  partnerTokenFor,
  retailTokenForPartner,
  ORDER_TRACKING_RESOURCE,
  STACK_FEDERATION,
  TRACKING_READ,
  type FederatingSession,
  type FederationEndpoints,
} from './partner-federation.ts'
export { captureAudit, type AuditCapture } from './audit-capture.ts'
export {
  recordsOf,
  assertDenied,
  assertOnlyDecision,
  type AuditSource,
  type ExpectedDecision,
} from './audit-trail.ts'
