/**
 * gateway, health-only for now: TLS without a client certificate (edge listener), `/healthz`.
 */
import { createService } from '@mythical/service-kit'
import { loadWorkloadIdentity } from '@mythical/mtls'
import type { Config } from './config.ts'

/**
 * Builds the gateway app without listening (tests use `app.inject()`).
 *
 * @example
 * ```ts
 * const app = await buildApp(loadServiceConfig())
 * ```
 */
export async function buildApp(config: Config) {
  const app = await createService({
    name: 'gateway',
    identity: loadWorkloadIdentity(config.SECRETS_DIR),
    exposure: 'edge',
    logLevel: config.LOG_LEVEL,
  })
  return app
}
