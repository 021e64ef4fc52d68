/**
 * tokenization-api, run by the card vault (a third party, trust domain cardvault) on its own stack
 * (express): mutual TLS with cardvault certificates only (a retail certificate fails the
 * handshake), `POST /tokens` for order-fulfillment-api and `POST /detokenize` for payments-api,
 * each a nested JWS+JWE request answered with a signed JWT (see docs/patterns). Its store is its
 * own database (`vault`), its audit its own.
 */
import { join } from 'node:path'
import { createAuditLogger, type AuditLogger } from '@mythical/audit'
import { checkDatabase, createDatabasePool } from '@mythical/db'
import { expressServiceBasics, loadDataKey } from '@mythical/service-kit'
import { serviceByName, workloadId } from '@mythical/stack'
import express, { type Express } from 'express'
import type { Config } from './config.ts'
import { loadRegisteredClients } from './registered-clients.ts'
import { detokenizeRoute } from './routes/detokenize.ts'
import { tokensRoute } from './routes/tokens.ts'
import { sealedRoute, VAULT_SERVICE, type Vault } from './sealed-route.ts'
import { loadVaultKeys } from './vault-keys.ts'
import { createVaultStore } from './vault-store.ts'

/** What tests may replace. */
export interface AppDependencies {
  readonly audit?: AuditLogger
}

/**
 * Builds the tokenization-api express app without listening, and `close` for its connections.
 *
 * @example
 * ```ts
 * const { app, audit, close } = await buildApp(loadServiceConfig())
 * ```
 */
export async function buildApp(
  config: Config,
  deps: AppDependencies = {},
): Promise<{ app: Express; audit: AuditLogger; close(): Promise<void> }> {
  const audit = deps.audit ?? createAuditLogger({ service: VAULT_SERVICE, level: config.LOG_LEVEL })
  const keys = await loadVaultKeys(config.SECRETS_DIR)
  const clients = await loadRegisteredClients(config.PKI_DIR)
  // The vault's database lives on Mythical Retail's PostgreSQL host, which serves a retail
  // certificate: that CA is pinned for the database connection only.
  const pool = createDatabasePool(config.SECRETS_DIR, {
    serverCaFile: join(config.PKI_DIR, 'retail', 'ca.pem'),
  })
  pool.on('error', (err) => audit.logger.warn({ err }, 'idle database connection lost'))
  const vault: Vault = {
    audit,
    keys,
    clients,
    store: createVaultStore(pool, loadDataKey(config.SECRETS_DIR)),
    vaultId: workloadId(serviceByName(VAULT_SERVICE).domain, VAULT_SERVICE),
  }

  const app = express()
  expressServiceBasics(
    app,
    { name: VAULT_SERVICE, audit, readiness: { database: () => checkDatabase(pool) } },
    (routes) => {
      routes.post('/tokens', ...sealedRoute(vault, tokensRoute(vault)))
      routes.post('/detokenize', ...sealedRoute(vault, detokenizeRoute(vault)))
    },
  )
  return { app, audit, close: () => pool.end() }
}
