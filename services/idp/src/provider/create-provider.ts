/**
 * Assembles the oidc-provider instance: configuration, the token-exchange grant and the audit
 * subscriptions.
 */
import type { JSONWebKeySet } from 'jose'
import Provider from 'oidc-provider'
import type { ClientMetadata } from 'oidc-provider'
import type { Pool } from 'pg'
import type { AccountStore } from '../accounts/account-store.ts'
import type { IdpAudit } from '../audit/idp-audit.ts'
import { auditProviderEvents } from '../audit/provider-events.ts'
import {
  TOKEN_EXCHANGE_GRANT,
  TOKEN_EXCHANGE_PARAMETERS,
  tokenExchangeHandler,
} from '../grants/token-exchange.ts'
import { publicHalf } from '../keys/signing-keys.ts'
import type { SigningJwk } from '../keys/signing-keys.ts'
import type { ResourceDefinition } from '../policies/resources.ts'
import { providerConfiguration } from './configuration.ts'
import { postgresAdapter } from '@mythical/oidc-store'

/** Inputs of {@link createProvider}. */
export interface CreateProviderOptions {
  issuer: string
  mtlsBaseUrl: string
  pool: Pool
  store: AccountStore
  clients: ClientMetadata[]
  signingKeys: SigningJwk[]
  cookieKeys: string[]
  catalogue: ReadonlyMap<string, ResourceDefinition>
  audit: IdpAudit
  /** Origins of the clients' redirect URIs (allowed form targets of the IdP's pages). */
  formTargets: readonly string[]
}

/** Public half of each signing key (what `/jwks` serves). */
export function publicJwks(keys: readonly SigningJwk[]): JSONWebKeySet {
  return { keys: keys.map(publicHalf) }
}

/**
 * Create the provider.
 *
 * @example
 * ```ts
 * const provider = createProvider({ issuer, mtlsBaseUrl, pool, store, clients, … })
 * server.on('request', provider.callback())
 * ```
 */
export function createProvider(opts: CreateProviderOptions): Provider {
  const provider = new Provider(
    opts.issuer,
    providerConfiguration({
      adapter: postgresAdapter(opts.pool),
      clients: opts.clients,
      signingKeys: opts.signingKeys,
      cookieKeys: opts.cookieKeys,
      store: opts.store,
      catalogue: opts.catalogue,
      mtlsBaseUrl: opts.mtlsBaseUrl,
      formTargets: opts.formTargets,
      audit: opts.audit,
    }),
  )

  const jwks = publicJwks(opts.signingKeys)
  provider.registerGrantType(
    TOKEN_EXCHANGE_GRANT,
    tokenExchangeHandler(provider, {
      issuer: opts.issuer,
      catalogue: opts.catalogue,
      publicJwks: () => jwks,
      audit: opts.audit,
      accountExists: async (id) => (await opts.store.findById(id)) !== undefined,
    }),
    [...TOKEN_EXCHANGE_PARAMETERS],
  )

  auditProviderEvents(provider, opts.audit, opts.catalogue)
  return provider
}
