/**
 * web, health-only for now: TLS without a client certificate (edge listener), `/healthz`.
 *
 * Placeholder: web becomes the Next.js shopper and sales-associate app (server-side BFF) in its
 * own issue; until then it only proves the listener, identity and probes.
 */
import { createService } from '@mythical/service-kit'
import { loadWorkloadIdentity } from '@mythical/mtls'
import type { Config } from './config.ts'

/**
 * Builds the web app without listening (tests use `app.inject()`).
 *
 * @example
 * ```ts
 * const app = await buildApp(loadServiceConfig())
 * ```
 */
export async function buildApp(config: Config) {
  const app = await createService({
    name: 'web',
    identity: loadWorkloadIdentity(config.SECRETS_DIR),
    exposure: 'edge',
    logLevel: config.LOG_LEVEL,
  })
  return app
}
