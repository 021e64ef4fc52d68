/**
 * `@mythical/oauth`: the OAuth kit every workload uses — verification of access tokens, DPoP
 * proofs and certificate-bound tokens, and the client roles (client assertion, client
 * credentials, token exchange, introspection). Framework-free; built on `jose`, `openid-client`
 * and the mTLS agent of `@mythical/mtls`.
 *
 * @module
 */
export * from './constants.ts'
export { OAuthKitError } from './errors.ts'
export type {
  CertificateBindingReason,
  ClientReason,
  DpopReason,
  OAuthKitReason,
  TokenReason,
} from './errors.ts'
export {
  DEFAULT_MAX_REPLAY_ENTRIES,
  MemoryReplayStore,
  type ConsumeResult,
  type MemoryReplayStoreOptions,
  type ReplayStore,
} from './replay-store.ts'
export {
  DEFAULT_DPOP_IAT_WINDOW_SECONDS,
  accessTokenHash,
  createDpopVerifier,
  type DpopRequest,
  type DpopVerifier,
  type DpopVerifierOptions,
  type VerifiedDpopProof,
} from './dpop/verify-dpop-proof.ts'
export {
  DEFAULT_DPOP_NONCE_LIFETIME_SECONDS,
  createDpopNonces,
  type DpopNonceOptions,
  type DpopNonces,
} from './dpop/dpop-nonce.ts'
export {
  DEFAULT_MAX_JWKS_BYTES,
  DEFAULT_MAX_RESPONSE_BYTES,
  ResponseTooLargeError,
  boundedFetch,
  caPinnedFetch,
  type BoundedFetch,
  type BoundedFetchInit,
} from './http/bounded-fetch.ts'
export {
  DEFAULT_JWKS_CACHE_MAX_AGE_MS,
  DEFAULT_JWKS_COOLDOWN_MS,
  DEFAULT_JWKS_TIMEOUT_MS,
  KeySetUnavailableError,
  createIssuerKeySet,
  type IssuerKeySet,
  type LocalKeySource,
  type RemoteKeySource,
} from './tokens/issuer-key-set.ts'
export {
  DEFAULT_CLOCK_TOLERANCE_SECONDS,
  createAccessTokenVerifier,
  type AccessTokenVerifier,
  type AccessTokenVerifierOptions,
  type VerifiedAccessToken,
} from './tokens/verify-access-token.ts'
export { assertCertificateBound, certificateThumbprint } from './tokens/certificate-binding.ts'
export {
  DEFAULT_MAX_CACHE_ENTRIES,
  ExpiringCache,
  LoadingCache,
  type ExpiringCacheOptions,
} from './clients/expiring-cache.ts'
export {
  DEFAULT_AS_TIMEOUT_SECONDS,
  authorizationServerFailure,
  createAuthorizationServerClient,
  type AuthorizationServerClient,
  type AuthorizationServerClientOptions,
  type ClientAuthentication,
} from './clients/authorization-server.ts'
export {
  DEFAULT_INTROSPECTION_CACHE_SECONDS,
  createIntrospectionClient,
  type ActiveToken,
  type IntrospectionClient,
  type IntrospectionClientOptions,
} from './clients/introspection.ts'
export {
  DEFAULT_EXPIRY_MARGIN_SECONDS,
  createTokenClient,
  type IssuedToken,
  type TokenClient,
  type TokenClientOptions,
  type TokenRequestOptions,
} from './clients/token-requests.ts'
