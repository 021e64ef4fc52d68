/**
 * A workload's own token client at a real retail IdP, for integration tests that play one hop of
 * the chain themselves (the gateway's exchange, a stolen token): `tls_client_auth` with the
 * workload's certificate on the IdP's mTLS aliases, exactly as the hop kit wires it.
 */
import { createMtlsAgent, type WorkloadIdentity } from '@mythical/mtls'
import {
  createAuthorizationServerClient,
  createTokenClient,
  type TokenClient,
} from '@mythical/oauth'

/**
 * @example
 * ```ts
 * const gateway = workloadTokenClient(idp.issuer, 'gateway', stackWorkload('gateway'))
 * after(() => gateway.close())
 * const phantom = await gateway.exchangeTokenFor(opaque, 'https://my-shopping-api.retail.mythical.example')
 * ```
 */
export function workloadTokenClient(
  issuer: string,
  clientId: string,
  identity: WorkloadIdentity,
): TokenClient & { close(): Promise<void> } {
  const dispatcher = createMtlsAgent(identity)
  const tokens = createTokenClient({
    server: createAuthorizationServerClient({
      issuer,
      clientId,
      authentication: { method: 'tls_client_auth' },
      dispatcher,
    }),
  })
  return {
    exchangeTokenFor: (...args) => tokens.exchangeTokenFor(...args),
    clientCredentialsFor: (...args) => tokens.clientCredentialsFor(...args),
    close: () => dispatcher.close(),
  }
}
