/**
 * The phantom-token operations on the OAuth kit: the gateway is OAuth client `gateway` at the
 * retail IdP, authenticated by its workload certificate (`tls_client_auth`) on the IdP's RFC 8705
 * mTLS aliases, for both introspection (signed JWT answers, cached up to the revocation bound)
 * and token exchange (cached per token and audience). DPoP proofs are verified by the kit with
 * an in-memory replay store.
 */
import type { WorkloadIdentity } from '@mythical/mtls'
import { createMtlsAgent } from '@mythical/mtls'
import {
  createAuthorizationServerClient,
  createDpopVerifier,
  createIntrospectionClient,
  createTokenClient,
} from '@mythical/oauth'
import type { Config } from './config.ts'
import type { PhantomTokenKit } from './phantom-token-kit.ts'

/** Options of {@link createKitTokens}. */
export interface KitTokensOptions {
  /** The revocation bound: no introspection result is reused for longer. */
  readonly cacheMaxSeconds: number
}

/**
 * @example
 * ```ts
 * const tokens = createKitTokens(config, identity, { cacheMaxSeconds: 30 })
 * await tokens.introspect(opaqueToken)
 * ```
 */
export function createKitTokens(
  config: Config,
  identity: WorkloadIdentity,
  opts: KitTokensOptions,
): PhantomTokenKit & { close(): Promise<void> } {
  const dispatcher = createMtlsAgent(identity)
  const server = createAuthorizationServerClient({
    issuer: config.IDP_ISSUER,
    url: config.IDP_URL,
    clientId: 'gateway',
    authentication: { method: 'tls_client_auth' },
    dispatcher,
  })
  const introspection = createIntrospectionClient({
    server,
    maxCacheSeconds: opts.cacheMaxSeconds,
  })
  const exchange = createTokenClient({ server })
  const dpop = createDpopVerifier()
  return {
    verifyProof: (request) => dpop.verify(request),
    introspect: (token) => introspection.introspect(token),
    exchange: async (token, resource) =>
      (await exchange.exchangeTokenFor(token, resource)).accessToken,
    machineToken: async (resource, scope) =>
      (await exchange.clientCredentialsFor(resource, { scope })).accessToken,
    close: () => dispatcher.close(),
  }
}
